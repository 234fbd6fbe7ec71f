package test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
)

// TestRecordingCatalogue: a tenant's recordings are listed, shown and
// deleted through the REST API, the CLI and the console. Two pion
// participants are recorded for about 3 s; while it runs the list shows it
// recording and its deletion is refused; once composited the list shows
// it ready with its size, its detail has the people and links that
// download valid media; another tenant's id and a viewer's delete are
// refused with their reasons; the CLI lists and gets it; the console page
// lists it and plays its MP4 in Chromium, and its Delete button removes
// the files, the entry and the links.
func TestRecordingCatalogue(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@rec.example", "")
	f := ownedTenant(t, owner, "Rec Co")
	viewer := newConsoleUser(s)
	viewer.signUp(t, "viewer@rec.example", owner.invite(t, f.ID, "viewer@rec.example", "viewer"))
	other := newTenant(t, s)
	base := "/api/v1/tenants/" + f.ID + "/recordings"

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const name = "catalogued"
	ada, _ := s.join(ctx, t, f.ID+"/"+name, f.token(t, name, "Ada", true), toneClip(t, t.TempDir(), 440, "testsrc2"))
	defer ada.Close()
	bob, _ := s.join(ctx, t, f.ID+"/"+name, f.token(t, name, "Bob", false), toneClip(t, t.TempDir(), 700, "smptebars"))
	defer bob.Close()
	roomPath := "/api/v1/tenants/" + f.ID + "/rooms/" + name + "/recording"
	if code, body := owner.do(t, "POST", roomPath, ""); code != http.StatusCreated {
		t.Fatalf("start: %d %s", code, body)
	}

	// While it records: listed as recording, not deletable.
	list := listRecordings(t, owner, base)
	if len(list.Recordings) != 1 || list.Recordings[0].Status != "recording" || list.Recordings[0].Room != name {
		t.Fatalf("list while recording: %+v, want one recording of %s", list, name)
	}
	id := list.Recordings[0].ID
	if code, body := owner.do(t, "DELETE", base+"/"+id, ""); code != http.StatusConflict || !strings.Contains(errorMessage(t, body), "still being made") {
		t.Errorf("delete while recording: %d %s, want 409 saying it is still being made", code, body)
	}
	eventually(t, 30*time.Second, "3 s recorded", func() bool {
		code, body := s.call(t, "GET", roomPath, "")
		var st recordingStatus
		return code == 200 && json.Unmarshal(body, &st) == nil && st.RecordedMs >= 3000
	})
	if code, body := owner.do(t, "DELETE", roomPath, ""); code != http.StatusOK {
		t.Fatalf("stop: %d %s", code, body)
	}
	eventually(t, 3*time.Minute, "the recording ready", func() bool {
		l := listRecordings(t, owner, base)
		return len(l.Recordings) == 1 && l.Recordings[0].Status == "ready"
	})
	r := listRecordings(t, owner, base).Recordings[0]
	if r.ParticipantCount != 2 || r.SizeBytes < 10_000 || r.DurationMs < 3000 || r.DurationMs > 8000 || r.EndedAt == nil {
		t.Errorf("listed: %+v, want 2 participants, an MP4 of some size, about 3 s", r)
	}

	d := checkRecordingDetail(t, s, owner, base+"/"+id)
	refusals(t, s, viewer, other, f.ID, id)
	recordingsCLI(t, s, f.ID, other.ID, id)

	// The console: listed, played, deleted.
	recordingsConsole(t, s, f.ID, name)
	if _, err := os.Stat(filepath.Join(s.Config.Data, "recordings", f.ID, id)); !os.IsNotExist(err) {
		t.Errorf("the recording's directory after delete: %v, want gone", err)
	}
	if resp, err := s.HTTP.Get(d.Links.MP4); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the MP4 link after delete: %v %v, want 404", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}
	if l := listRecordings(t, owner, base); len(l.Recordings) != 0 {
		t.Errorf("list after delete: %+v, want empty", l.Recordings)
	}
	if code, body := owner.do(t, "GET", base+"/"+id, ""); code != http.StatusNotFound || errorCode(t, body) != "recording_not_found" {
		t.Errorf("get after delete: %d %s, want 404 recording_not_found", code, body)
	}
}

// ownedTenant creates a tenant as a console user, who owns it, with a
// generated API key for the participants' tokens.
func ownedTenant(t *testing.T, u *consoleUser, name string) *tenantFixture {
	t.Helper()
	id := u.createTenant(t, name)
	code, body := u.do(t, "POST", "/api/v1/tenants/"+id+"/keys", `{"generate": true}`)
	var k api.Key
	if code != http.StatusCreated || json.Unmarshal(body, &k) != nil {
		t.Fatalf("key: %d %s", code, body)
	}
	priv, err := rsakey.ParsePrivate([]byte(k.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return &tenantFixture{ID: id, KID: k.KID, priv: priv}
}

func listRecordings(t *testing.T, u *consoleUser, base string) api.RecordingList {
	t.Helper()
	code, body := u.do(t, "GET", base, "")
	var l api.RecordingList
	if code != http.StatusOK || json.Unmarshal(body, &l) != nil {
		t.Fatalf("list recordings: %d %s", code, body)
	}
	return l
}

// checkRecordingDetail checks a ready recording's detail: Ada and Bob
// with their join and leave, an audio and a video track each, and links
// that download a valid MP4 and valid tracks.
func checkRecordingDetail(t *testing.T, s *testServer, u *consoleUser, path string) api.RecordingDetail {
	t.Helper()
	code, body := u.do(t, "GET", path, "")
	var d api.RecordingDetail
	if code != http.StatusOK || json.Unmarshal(body, &d) != nil {
		t.Fatalf("get recording: %d %s", code, body)
	}
	if !d.Available || d.InitiatorID != "api" || d.EndReason != "stopped through the API" || d.LinksExpireAt == nil {
		t.Errorf("detail: available %v, initiator %q, end reason %q, links expire %v", d.Available, d.InitiatorID, d.EndReason, d.LinksExpireAt)
	}
	names := map[string]bool{}
	for _, p := range d.Participants {
		names[p.Name] = true
		if p.LeftMs < p.JoinedMs || p.LeftAt == nil || p.LeftAt.Before(p.JoinedAt) {
			t.Errorf("%s joined at %d ms, left at %d ms (%v to %v)", p.Name, p.JoinedMs, p.LeftMs, p.JoinedAt, p.LeftAt)
		}
	}
	if len(d.Participants) != 2 || !names["Ada"] || !names["Bob"] {
		t.Errorf("participants %+v, want Ada and Bob", d.Participants)
	}
	if len(d.Tracks) != 4 {
		t.Errorf("tracks %+v, want audio and video of each", d.Tracks)
	}
	mp4 := download(t, s, d.Links.MP4)
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration,format_name", "-of", "json", mp4).Output()
	var probe struct {
		Format struct {
			Duration   string `json:"duration"`
			FormatName string `json:"format_name"`
		} `json:"format"`
	}
	if err != nil || json.Unmarshal(out, &probe) != nil {
		t.Fatalf("ffprobe of the MP4: %v %s", err, out)
	}
	if dur, _ := strconv.ParseFloat(probe.Format.Duration, 64); dur < 2.5 || !strings.Contains(probe.Format.FormatName, "mp4") {
		t.Errorf("MP4: %+v, want an MP4 of about 3 s", probe.Format)
	}
	for _, tr := range d.Tracks {
		if n := countFrames(t, download(t, s, tr.Link)); n < 10 {
			t.Errorf("track %s %s of %s: %d frames", tr.Kind, tr.Source, tr.Name, n)
		}
	}
	return d
}

// refusals: another tenant's recording id is unknown there (as the
// operator too), and a viewer may look but not delete.
func refusals(t *testing.T, s *testServer, viewer *consoleUser, other *tenantFixture, tenant, id string) {
	t.Helper()
	otherPath := "/api/v1/tenants/" + other.ID + "/recordings/" + id
	for _, method := range []string{"GET", "DELETE"} {
		code, body := s.call(t, method, otherPath, "")
		if code != http.StatusNotFound || errorCode(t, body) != "recording_not_found" || !strings.Contains(errorMessage(t, body), id) {
			t.Errorf("%s another tenant's recording: %d %s, want 404 recording_not_found naming it", method, code, body)
		}
	}
	path := "/api/v1/tenants/" + tenant + "/recordings/" + id
	if code, body := viewer.do(t, "GET", path, ""); code != http.StatusOK {
		t.Errorf("viewer's get: %d %s", code, body)
	}
	if code, body := viewer.do(t, "DELETE", path, ""); code != http.StatusForbidden || !strings.Contains(errorMessage(t, body), "viewer") {
		t.Errorf("viewer's delete: %d %s, want 403 naming the role", code, body)
	}
}

// recordingsCLI: confer recordings list (table and JSON) and get, against
// the running server; delete of another tenant's id fails with the reason.
func recordingsCLI(t *testing.T, s *testServer, tenant, otherTenant, id string) {
	t.Helper()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	c := cli{t: t, bin: bin, dir: t.TempDir(), env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}}.
		withArgs("--server", s.URL, "--token", adminToken)
	table := c.must("recordings", "list", "--tenant", tenant)
	if lines := strings.Split(table, "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") ||
		!strings.Contains(lines[1], id) || !strings.Contains(lines[1], "ready") || !strings.Contains(lines[1], "catalogued") {
		t.Errorf("recordings list:\n%s\nwant a header and the ready recording of catalogued", table)
	}
	var l api.RecordingList
	if out := c.must("recordings", "list", "--tenant", tenant, "--json"); json.Unmarshal([]byte(out), &l) != nil || len(l.Recordings) != 1 {
		t.Errorf("recordings list --json: %s", out)
	}
	var d api.RecordingDetail
	if out := c.must("recordings", "get", id, "--tenant", tenant); json.Unmarshal([]byte(out), &d) != nil || d.ID != id || d.Links.MP4 == "" {
		t.Errorf("recordings get: %s", out)
	}
	if out, _ := c.fail("recordings", "delete", id, "--tenant", otherTenant); !strings.Contains(out, "has no recording") {
		t.Errorf("recordings delete of another tenant's id: %s, want the reason", out)
	}
}

// recordingsConsole: the owner's Recordings page lists the recording;
// opening it plays the MP4 (the video element learns its duration) and
// lists who was there, without accessibility violations (axe); Delete,
// confirmed, removes the row.
func recordingsConsole(t *testing.T, s *testServer, tenant, room string) {
	t.Helper()
	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	errs := watchPageErrors(t, p)
	pagesSignIn(t, p, s, "owner@rec.example", "/console/t/"+tenant+"/recordings")
	pagesLoaded(t, p, "recordings")
	pollText(t, p, "#recordings tbody", room)
	pollText(t, p, "#recordings tbody", "ready")
	if got := eval[string](t, p, `document.querySelector('nav a[aria-current="page"]')?.textContent`); got != "Recordings" {
		t.Errorf("current nav item %q, want Recordings", got)
	}
	p.click(t, "[data-open]")
	poll[bool](t, p, "the detail panel", `!document.getElementById('detail').hidden`, 10*time.Second)
	dur := poll[float64](t, p, "the video's duration", `(v => v.duration > 0 ? v.duration : 0)(document.getElementById('player'))`, 20*time.Second)
	if dur < 2.5 {
		t.Errorf("the player's video lasts %.2f s, want about 3", dur)
	}
	pollText(t, p, "#people", "Ada")
	pollText(t, p, "#people", "Bob")
	reportAxe(t, "recordings page", runAxe(t, p, axeSource(t)))
	if n := eval[int](t, p, `document.querySelectorAll('#downloads a[href*="/_confer/recordings/"]').length`); n != 6 {
		t.Errorf("%d download links, want the MP4, 4 tracks and the manifest", n)
	}
	if dir := os.Getenv("CONFER_SCREENSHOTS"); dir != "" { // ./scripts/screenshots
		eval[bool](t, p, `window.scrollTo(0, 0); true`) // the full-page shot from the top, sticky bar in place
		shootPage(t, p, dir, "console-recordings", true)
	}
	p.click(t, "#delete")
	poll[bool](t, p, "the confirmation", `document.getElementById('confirm').open`, 5*time.Second)
	p.click(t, "#confirm-ok")
	pollText(t, p, "#recordings", "No recording yet")
	if hidden := eval[bool](t, p, `document.getElementById('detail').hidden`); !hidden {
		t.Error("the detail panel still shows after the delete")
	}
	errs.check(t, "recordings")
	b.checkCSP()
}
