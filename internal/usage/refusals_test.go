package usage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

const testTenant = "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"

// setup returns a Service on a fresh store of dialect d holding testTenant,
// with its clock at *now.
func setup(t *testing.T, d store.Dialect, now *time.Time, cfg Config) *Service {
	t.Helper()
	st := storetest.Open(t, d)
	if err := st.CreateTenant(context.Background(), store.Tenant{ID: testTenant, Name: "T", CreatedAt: *now}); err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Now = st, func() time.Time { return *now }
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// failures returns the tenant's join failures by reason: rows and the
// refusals they count.
func failures(t *testing.T, s *Service, at time.Time) (rows, count map[string]int) {
	t.Helper()
	fs, err := s.JoinFailures(context.Background(), testTenant, Filter{From: at.Add(-48 * time.Hour), To: at.Add(time.Hour), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rows, count = map[string]int{}, map[string]int{}
	for _, f := range fs {
		rows[f.Reason]++
		count[f.Reason] += f.Count
	}
	return rows, count
}

// TestJoinRefusedIsBounded: refusals anyone can cause (the token's
// signature never verified) are counted in one row per reason and hour;
// the others get a row each up to the hourly budget, then are counted too.
// Every refusal shows in the counts.
func TestJoinRefusedIsBounded(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
			s := setup(t, d, &now, Config{FailureRowsPerHour: 10})
			ctx := context.Background()
			var wg sync.WaitGroup
			for i := range 200 {
				wg.Go(func() {
					s.JoinRefused(ctx, testTenant, fmt.Sprintf("spam-%d", i), "malformed", "a JWT has 3 parts", "x", "")
					s.JoinRefused(ctx, testTenant, fmt.Sprintf("spam-%d", i), "signatureInvalid", "bad signature", "", "")
				})
			}
			wg.Wait()
			for i := range 25 {
				s.JoinRefused(ctx, testTenant, "room", "tokenExpired", fmt.Sprintf("expired %d", i), "", "")
			}
			rows, count := failures(t, s, now)
			for _, tt := range []struct {
				reason      string
				rows, count int
			}{
				{"malformed", 1, 200},
				{"signatureInvalid", 1, 200},
				{"tokenExpired", 11, 25}, // 10 rows of their own, one counting the other 15
			} {
				if rows[tt.reason] != tt.rows || count[tt.reason] != tt.count {
					t.Errorf("%s: got %d rows counting %d, want %d rows counting %d", tt.reason, rows[tt.reason], count[tt.reason], tt.rows, tt.count)
				}
			}
			now = now.Add(time.Hour) // a new hour: a new budget, new aggregate rows
			s.JoinRefused(ctx, testTenant, "room", "tokenExpired", "expired", "", "")
			s.JoinRefused(ctx, testTenant, "spam", "malformed", "bad", "", "")
			rows, count = failures(t, s, now)
			if rows["tokenExpired"] != 12 || count["tokenExpired"] != 26 || rows["malformed"] != 2 || count["malformed"] != 201 {
				t.Errorf("next hour: got rows %v counting %v", rows, count)
			}
			s.JoinRefused(ctx, "vpaas-magic-cookie-ffffffffffffffffffffffffffffffff", "x", "malformed", "bad", "", "") // no such tenant: nothing, no error
		})
	}
}

// TestAdmitBoundsDevicesPerToken: one token identity counts as at most
// DevicesPerToken monthly active users however many device ids it
// presents, concurrently or not; its user id names it across tokens, its
// hash without one; excess joins show as one deviceLimit row; a new month
// starts afresh.
func TestAdmitBoundsDevicesPerToken(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
			s := setup(t, d, &now, Config{})
			ctx := context.Background()
			key := room.NewKey(testTenant, "inflate")
			keys := func(userID, hash string, devices int) map[string]bool {
				out := map[string]bool{}
				var mu sync.Mutex
				var wg sync.WaitGroup
				for i := range devices {
					wg.Go(func() {
						k, err := s.Admit(ctx, key, room.Participant{UserID: userID, DeviceID: fmt.Sprintf("dev-%d", i)}, hash)
						if err != nil {
							t.Error(err)
						}
						mu.Lock()
						out[k] = true
						mu.Unlock()
					})
				}
				wg.Wait()
				return out
			}
			if got := keys("u1", "hash-a", 12); len(got) != 3 {
				t.Errorf("user u1 on 12 devices: got %d MAU keys %v, want 3", len(got), got)
			}
			if got := keys("u1", "hash-b", 12); len(got) != 3 {
				t.Errorf("user u1 with another token: got %d MAU keys %v, want the same 3", len(got), got)
			}
			if got := keys("", "hash-c", 12); len(got) != 3 {
				t.Errorf("a token without a user on 12 devices: got %d MAU keys %v, want 3", len(got), got)
			}
			if k, _ := s.Admit(ctx, key, room.Participant{}, "hash-d"); k != "token:hash-d" {
				t.Errorf("no device id: got key %q, want the token", k)
			}
			rows, count := failures(t, s, now)
			if rows[ReasonDeviceLimit] != 1 || count[ReasonDeviceLimit] != 27 {
				t.Errorf("deviceLimit: got %d rows counting %d, want 1 counting 27", rows[ReasonDeviceLimit], count[ReasonDeviceLimit])
			}
			now = now.AddDate(0, 1, 0)
			if k, _ := s.Admit(ctx, key, room.Participant{UserID: "u1", DeviceID: "dev-11"}, "hash-a"); k != "device:dev-11" {
				t.Errorf("next month, a device that was over the limit: got key %q, want its own", k)
			}
		})
	}
}
