package test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// meteredNow reads a tenant's recorded minutes this month from the REST
// usage response and the invoice preview: the minutes and the amount the
// preview's line bills for them.
func meteredNow(t *testing.T, s *testServer, tenant string) (usage.Month, billing.Preview) {
	t.Helper()
	var u usage.Month
	code, body := s.call(t, "GET", "/api/v1/tenants/"+tenant+"/usage", "")
	if code != 200 || json.Unmarshal(body, &u) != nil {
		t.Fatalf("GET usage: %d %s", code, body)
	}
	var p billing.Preview
	code, body = s.call(t, "GET", "/api/v1/tenants/"+tenant+"/invoices/upcoming", "")
	if code != 200 || json.Unmarshal(body, &p) != nil {
		t.Fatalf("GET invoices/upcoming: %d %s", code, body)
	}
	return u, p
}

// checkRecordedOnce checks that the month holds exactly one recorded
// minute, on the usage response and on the invoice preview (its metered
// list and its line, at 50 cents per 10 minutes: 5 cents).
func checkRecordedOnce(t *testing.T, s *testServer, tenant, when string) {
	t.Helper()
	u, p := meteredNow(t, s, tenant)
	if u.RecordingMinutes != 1 || u.StreamingMinutes != 0 || u.TranscriptionMinutes != 0 {
		t.Errorf("%s: usage has %d recorded, %d streamed, %d transcribed minutes, want 1, 0, 0", when, u.RecordingMinutes, u.StreamingMinutes,
			u.TranscriptionMinutes)
	}
	want := billing.Metered{Kind: "recording_minutes", Minutes: 1, AddonID: "rec-min", AddonName: "Recorded minutes", AmountCents: 5}
	if len(p.Metered) != 1 || p.Metered[0] != want {
		t.Errorf("%s: preview's metered %+v, want [%+v]", when, p.Metered, want)
	}
	lines := 0
	for _, l := range p.Lines {
		if strings.HasPrefix(l.Description, "Recorded minutes,") {
			lines++
			if l.Quantity != 1 || l.AmountCents != 5 {
				t.Errorf("%s: line %+v, want quantity 1, 5 cents", when, l)
			}
		}
	}
	if lines != 1 {
		t.Errorf("%s: %d recorded-minutes lines in the preview %+v, want 1", when, lines, p.Lines)
	}
}

// TestRecordedMinutesMetered: two pion participants are recorded for a few
// seconds; once stopped and composited, the tenant's month holds 1
// recorded minute (rounded up) on the REST usage response and on this
// month's invoice preview, billed at the add-on's price. The server then
// stops and, as if it had crashed after counting the minutes but before
// noting its webhooks, finishes the recording again at the next start:
// the minutes are still counted once.
func TestRecordedMinutesMetered(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	if code, body := s.call(t, "POST", "/api/v1/addons",
		`{"id":"rec-min","name":"Recorded minutes","kind":"recording_minutes","quantity":10,"price_cents":50}`); code != 201 {
		t.Fatalf("create add-on: %d %s", code, body)
	}
	tm := newTeam(t, s, "metered")
	f := tenantKey(t, s, tm.tenant)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"RECORDING_ENDED", "RECORDING_UPLOADED"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	recorder := func(g *token.Grant) { g.Features = map[string]bool{"recording": true} }
	ada, _ := s.join(ctx, t, f.ID+"/metered", f.token(t, "metered", "Ada", true, recorder), toneClip(t, t.TempDir(), 440, "testsrc2"))
	bob, _ := s.join(ctx, t, f.ID+"/metered", f.token(t, "metered", "Bob", false), toneClip(t, t.TempDir(), 1100, "smptebars"))

	path := "/api/v1/tenants/" + f.ID + "/rooms/metered/recording"
	if code, body := s.call(t, "POST", path, ""); code != 201 {
		t.Fatalf("start: %d %s", code, body)
	}
	eventually(t, 30*time.Second, "2 s recorded", func() bool {
		code, body := s.call(t, "GET", path, "")
		var st recordingStatus
		return code == 200 && json.Unmarshal(body, &st) == nil && st.RecordedMs >= 2000
	})
	code, body := s.call(t, "DELETE", path, "")
	var st recordingStatus
	if code != 200 || json.Unmarshal(body, &st) != nil || st.SessionID == "" {
		t.Fatalf("stop: %d %s", code, body)
	}
	eventually(t, 2*time.Minute, "RECORDING_UPLOADED", func() bool { return rcv.count("RECORDING_UPLOADED") == 1 })
	checkRecordedOnce(t, s, f.ID, "after the recording")

	// Composited while the meeting runs, the MP4's link reaches Ada, who
	// may record (recordingLinkAvailable), and not Bob.
	lm, err := ada.Expect(ctx, "recordingLink")
	var link struct {
		Link string `json:"link"`
		TTL  int64  `json:"ttl"`
	}
	if err != nil || lm.Decode(&link) != nil || link.TTL != (24*time.Hour).Milliseconds() {
		t.Fatalf("Ada's recordingLink: %s %v, want a link valid 24 h", lm.Raw, err)
	}
	if codecs, dur := probeMedia(t, download(t, s, link.Link)); codecs["video"] != "h264" || codecs["audio"] != "aac" || dur < 1 {
		t.Errorf("the linked MP4: %v, %.1f s; want H.264 + AAC of about 2 s", codecs, dur)
	}
	bob.Send(ctx, map[string]any{"type": "recording", "action": "start"})
	if m, err := bob.Expect(ctx, "recordingLink"); !asRefusedCode(err, "recordingNotAllowed", "context.features.recording") {
		t.Errorf("Bob (no recording feature) got %s %v before his refusal, want no recordingLink", m.Raw, err)
	}

	// The finishing step runs again: stopped, the server forgets it sent
	// the webhooks (as after a crash right after counting); the next
	// start's recovery finishes the recording anew and counts it again.
	stopServer(s)
	manifest := filepath.Join(s.Config.Data, "recordings", f.ID, st.SessionID, "manifest.json")
	var m map[string]any
	b, err := os.ReadFile(manifest)
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("read manifest: %v %s", err, b)
	}
	delete(m, "sent")
	b, _ = json.Marshal(m)
	if err := os.WriteFile(manifest, b, 0o640); err != nil {
		t.Fatal(err)
	}
	s2 := runServer(t, s.Config, nil)
	eventually(t, time.Minute, "the recovery to finish the recording again", func() bool {
		var again struct{ Sent []string }
		b, err := os.ReadFile(manifest)
		return err == nil && json.Unmarshal(b, &again) == nil && slices.Contains(again.Sent, "RECORDING_ENDED")
	})
	eventually(t, 30*time.Second, "RECORDING_ENDED sent again", func() bool { return rcv.count("RECORDING_ENDED") == 2 })
	checkRecordedOnce(t, s2, f.ID, "after the finishing step ran again")
	checkConsoleMinutes(t, s2, tm.tenant, "owner@metered.example")
}

// checkConsoleMinutes checks, in Chromium, that the console's Activity
// page shows the month's 1 recorded minute next to its MAU, and My plan
// the minute and its 5 cents, as the invoice bills them.
func checkConsoleMinutes(t *testing.T, s *testServer, tenant, owner string) {
	t.Helper()
	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	errs := watchPageErrors(t, p)
	activity := "/console/t/" + tenant + "/activity"
	pagesSignIn(t, p, s, owner, activity)
	pagesLoaded(t, p, "activity")
	stat := func(label string) string {
		return eval[string](t, p, `[...document.querySelectorAll('#stats .stat')].filter(el => el.innerText.startsWith(`+jsQuote(label)+`))
			.map(el => el.querySelector('b').innerText).join('|')`)
	}
	pollText(t, p, "#stats", "Recorded minutes")
	for label, want := range map[string]string{"Monthly active users": "2", "Recorded minutes": "1", "Streamed minutes": "0", "Transcribed minutes": "0"} {
		if got := stat(label); got != want {
			t.Errorf("Activity's %q: got %q, want %q", label, got, want)
		}
	}
	pagesNavigate(t, p, s.URL+"/console/t/"+tenant+"/plan")
	pagesLoaded(t, p, "plan")
	row := eval[string](t, p, `[...document.querySelectorAll('#metered tbody tr')].find(tr => tr.innerText.startsWith('Recorded minutes'))?.innerText || ''`)
	if cells := strings.Fields(row); len(cells) < 2 || !strings.Contains(row, "\t1\t") || !strings.HasSuffix(row, "$0.05") {
		t.Errorf("My plan's recorded minutes row %q, want 1 minute costing $0.05", row)
	}
	pollText(t, p, "#upcoming", "Recorded minutes, ")
	pollText(t, p, "#addons", "1 min used")
	errs.check(t, "activity and plan pages")
}

// checkRecoveredMinutes: a recording of a few seconds that a crash
// interrupted, closed at the next start, counts once as 1 recorded minute.
func checkRecoveredMinutes(t *testing.T, base, tenant string) {
	t.Helper()
	code, body := adminCall(t, "GET", base+"/api/v1/tenants/"+tenant+"/usage", "")
	var u usage.Month
	if code != 200 || json.Unmarshal(body, &u) != nil || u.RecordingMinutes != 1 {
		t.Errorf("usage after the recovered recording: %d %s, want recording_minutes 1", code, body)
	}
}
