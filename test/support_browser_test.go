package test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// TestSupportBrowser: a new integrator signs up, creates a tenant, sends a
// request with the support button, sees it on the Support page; asks about
// a meeting from Analytics; the operator answers from the inbox page with
// the admin token (and once through the API); the integrator sees both
// answers, replies and closes the request.
func TestSupportBrowser(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	b := newBrowser(t)
	p := b.open("owner", s.URL+"/console/signup")
	errs := watchPageErrors(t, p)
	cfPath(t, p, "/console/signup")
	cfSubmit(t, p, "#signup", map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "password": testPassword})
	cfPath(t, p, "/console/tenants")
	cfSubmit(t, p, "#create-tenant", map[string]string{"name": "Support Co"})
	path := cfPath(t, p, "/console/t/")
	tn := strings.Split(path, "/")[3]
	pagesLoaded(t, p, "start")

	// The support button of the start page.
	p.click(t, "#support-open")
	poll[bool](t, p, "the support dialog", `document.getElementById('support-dialog').open`, 5*time.Second)
	if got := eval[string](t, p, `document.getElementById('support-page').textContent`); got != "/console/t/"+tn+"/start" {
		t.Errorf("dialog says it is sent from %q", got)
	}
	pagesType(t, p, "#support-form input[name=subject]", "Participants drop")
	pagesType(t, p, "#support-form textarea[name=body]", "Everyone drops after five minutes.")
	eval[bool](t, p, `(document.querySelector('#support-form select[name=severity]').value = 'high', true)`)
	p.click(t, "#support-form button[type=submit]")
	id := poll[string](t, p, "the request sent", `!document.getElementById('support-sent').hidden && document.getElementById('support-sent-id').textContent`, 10*time.Second)
	p.click(t, "#support-sent-link")
	cfPath(t, p, "/console/t/"+tn+"/support")
	pagesLoaded(t, p, "support")
	pollText(t, p, "#requests tbody", "Participants drop")
	pollText(t, p, "#messages", "Everyone drops after five minutes.")
	pollText(t, p, "#thread-facts", id)

	// From a meeting on Analytics, the meeting's id goes along.
	pagesMeeting(t, s, tn, "standup")
	var meetings struct{ Meetings []usage.Meeting }
	eventually(t, 15*time.Second, "the meeting recorded", func() bool {
		_, out := s.call(t, http.MethodGet, "/api/v1/tenants/"+tn+"/analytics/meetings", "")
		return json.Unmarshal(out, &meetings) == nil && len(meetings.Meetings) == 1
	})
	pagesNavigate(t, p, s.URL+"/console/t/"+tn+"/analytics")
	pagesLoaded(t, p, "analytics")
	p.click(t, "#meetings [data-meeting]")
	poll[bool](t, p, "the meeting panel", `!document.getElementById('meeting').hidden`, 10*time.Second)
	p.click(t, "#meeting-support")
	if got := poll[string](t, p, "the meeting id in the form", `document.getElementById('support-dialog').open && document.querySelector('#support-form input[name=meeting_id]').value`, 5*time.Second); got != meetings.Meetings[0].ID {
		t.Fatalf("meeting id in the form %q, want %q", got, meetings.Meetings[0].ID)
	}
	cfSubmit(t, p, "#support-form", map[string]string{"subject": "Standup recording", "body": "Where is it?"})
	about := poll[string](t, p, "the second request sent", `!document.getElementById('support-sent').hidden && document.getElementById('support-sent-id').textContent`, 10*time.Second)
	var r api.SupportRequest
	_, out := s.call(t, http.MethodGet, "/api/v1/support/"+about, "")
	if json.Unmarshal(out, &r) != nil || r.MeetingID != meetings.Meetings[0].ID || r.Page != "/console/t/"+tn+"/analytics" {
		t.Fatalf("the request from Analytics: %s", out)
	}
	errs.check(t, "owner's pages")

	// The operator's inbox: the admin token, every tenant's requests, an answer.
	op := b.open("operator", s.URL+"/console/operator/support#"+id)
	opErrs := watchPageErrors(t, op)
	pagesType(t, op, "#token-form input[name=token]", adminToken)
	op.click(t, "#token-form button[type=submit]")
	pollText(t, op, "#requests tbody", "Support Co")
	pollText(t, op, "#messages", "Everyone drops after five minutes.")
	pollText(t, op, "#thread-facts", "Support Co "+tn)
	pagesType(t, op, "#reply textarea[name=body]", "Which browser do they use?")
	op.click(t, "#reply button[type=submit]")
	pollText(t, op, "#messages .message.operator", "Which browser do they use?")
	opErrs.check(t, "inbox")
	if code, out := s.call(t, http.MethodPost, "/api/v1/support/"+id+"/replies", `{"body": "And which version?"}`); code != http.StatusCreated {
		t.Fatalf("answer through the API: %d %s", code, out)
	}

	// The integrator sees the answers, replies and closes the request.
	pagesNavigate(t, p, s.URL+"/console/t/"+tn+"/support#"+id)
	pagesLoaded(t, p, "support")
	pollText(t, p, "#messages", "And which version?")
	if got := eval[[]string](t, p, `[...document.querySelectorAll('#messages .message.operator .body')].map(e => e.textContent)`); strings.Join(got, "|") != "Which browser do they use?|And which version?" {
		t.Errorf("operator's messages on the page: %q", got)
	}
	pollText(t, p, "#thread-facts", "answered")
	pagesType(t, p, "#reply textarea[name=body]", "Chrome 131 on Windows.")
	p.click(t, "#reply button[type=submit]")
	pollText(t, p, "#messages", "Chrome 131 on Windows.")
	p.click(t, "#set-status")
	pollText(t, p, "#set-status", "Reopen request")
	_, out = s.call(t, http.MethodGet, "/api/v1/support/"+id, "")
	if json.Unmarshal(out, &r) != nil || r.Status != "closed" || len(r.Messages) != 4 {
		t.Fatalf("after reply and close: %s", out)
	}
	errs.check(t, "support")
}

// TestSupportScreenshots writes screenshots of the support dialog, the
// tenant's Support page and the operator's inbox into $CONFER_SCREENSHOTS
// (./scripts/screenshots). Without the variable it is skipped.
func TestSupportScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUpNamed(t, "ada@acme-health.example", "Ada Lovelace", "")
	tn := owner.createTenant(t, "Acme Health")
	grace := newConsoleUser(s)
	grace.signUpNamed(t, "grace@acme-health.example", "Grace Hopper", owner.invite(t, tn, "grace@acme-health.example", "developer"))
	other := newConsoleUser(s)
	other.signUpNamed(t, "linus@bolt.example", "Linus Pauling", "")
	supportOpen(t, other, other.createTenant(t, "Bolt Clinics"), "Webhook deliveries delayed")
	old := supportOpen(t, grace, tn, "Invoice shows the wrong plan")
	s.call(t, http.MethodPost, "/api/v1/support/"+old.ID+"/status", `{"status": "closed"}`)
	r := supportOpen(t, owner, tn, "Participants drop after five minutes")
	s.call(t, http.MethodPost, "/api/v1/support/"+r.ID+"/replies", `{"body": "Thanks, Ada. Which browser and network are they on? A meeting id from Analytics helps us find the session logs."}`)
	owner.do(t, http.MethodPost, "/api/v1/tenants/"+tn+"/support/"+r.ID+"/replies", `{"body": "Chrome 131 on the hospital's guest Wi-Fi. It happened in today's standup."}`)

	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	// shoot writes the page (the viewport only, when a dialog covers it).
	shoot := func(name string, phone, dialog bool) {
		t.Helper()
		poll[bool](t, p, name+" loaded", `document.readyState === 'complete' && !document.querySelector('[aria-busy="true"]')`, 15*time.Second)
		views := map[string]chromedp.Action[chromedp.Void]{"desktop": chromedp.EmulateViewport(1280, 900)}
		if phone {
			views["phone"] = chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
		}
		for suffix, view := range views {
			ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
			if err := chromedp.Do(ctx, view, chromedp.Sleep(700*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			shot := chromedp.FullScreenshot(100)
			if dialog {
				shot = chromedp.CaptureScreenshot()
			}
			png, err := chromedp.Run(ctx, shot)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "console-"+name+"-"+suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	}
	pagesSignIn(t, p, s, "ada@acme-health.example", "/console/t/"+tn+"/support")
	pagesLoaded(t, p, "support")
	p.click(t, "#requests [data-request="+jsQuote(r.ID)+"]")
	pollText(t, p, "#messages", "guest Wi-Fi")
	shoot("support", false, false)
	p.click(t, "#support-open")
	eval[bool](t, p, `(() => { const f = document.getElementById('support-form').elements;
		f.subject.value = 'Recording of the board meeting is missing'; f.severity.value = 'high';
		f.body.value = 'It was recorded on Monday at 10:00 in room board-meeting; Recordings does not list it.'; return true; })()`)
	shoot("support-dialog", true, true)
	cfGoto(t, p, s.URL+"/console/operator/support#"+r.ID)
	pagesType(t, p, "#token-form input[name=token]", adminToken)
	p.click(t, "#token-form button[type=submit]")
	pollText(t, p, "#messages", "guest Wi-Fi")
	shoot("inbox", false, false)
}
