package room

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkKeepMeeting is what a cluster node spends to keep one meeting
// against its loss (Config.KeepMeetings): the Continuation of a room of
// 100 participants with a full kept chat log (64 KiB) and a poll, encoded
// as the cluster store gets it. Each changed room costs this once per
// KeepChanged (every 2 s).
func BenchmarkKeepMeeting(b *testing.B) {
	ctx := context.Background()
	var size int
	keep := func(_ context.Context, _ Key, k Kept) {
		buf, err := json.Marshal(k)
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	m := NewManager(Config{Keep: keep, KeepMeetings: true, MaxParticipants: 200})
	key := NewKey("vpaas-magic-cookie-x", "big")
	var first *Membership
	for i := range 100 {
		ms, err := m.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: fmt.Sprint("P", i), UserID: fmt.Sprint("user-", i),
			Role: RoleModerator, DeviceID: fmt.Sprint("device-", i), UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156"}, Conn: &resConn{}})
		if err != nil {
			b.Fatal(err)
		}
		if first == nil {
			first = ms
		}
	}
	for i := range 80 {
		if err := first.Chat(ctx, "", strings.Repeat(fmt.Sprint(i%10), 1000)); err != nil && !strings.Contains(err.Error(), "flood") {
			b.Fatal(err)
		}
	}
	if _, err := first.CreatePoll(ctx, "Ship it?", []string{"yes", "no"}); err != nil {
		b.Fatal(err)
	}
	r := first.Room()
	b.ResetTimer()
	for b.Loop() {
		r.keep(ctx)
	}
	b.ReportMetric(float64(size), "bytes/write")
}
