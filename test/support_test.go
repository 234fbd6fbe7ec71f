package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
)

// supportOpen opens a request as u and returns it.
func supportOpen(t *testing.T, u *consoleUser, tenant, subject string) api.SupportRequest {
	t.Helper()
	code, out := u.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/support",
		fmt.Sprintf(`{"subject": %q, "body": "Participants drop after five minutes.\nSince Monday.", "severity": "high"}`, subject))
	var r api.SupportRequest
	if code != http.StatusCreated || json.Unmarshal(out, &r) != nil {
		t.Fatalf("open %q: %d %s", subject, code, out)
	}
	return r
}

// supportGet reads a request as u (code 200 expected).
func supportGet(t *testing.T, u *consoleUser, path string) api.SupportRequest {
	t.Helper()
	code, out := u.do(t, http.MethodGet, path, "")
	var r api.SupportRequest
	if code != http.StatusOK || json.Unmarshal(out, &r) != nil {
		t.Fatalf("GET %s: %d %s", path, code, out)
	}
	return r
}

// TestSupportAPI: a developer opens a request, a viewer may read but not
// open it, another tenant's member gets 404, the operator lists every
// tenant's and answers, the requester sees the answer and closes it.
func TestSupportAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		acme, bolt := newTeam(t, s, "acme"), newTeam(t, s, "bolt")
		base := "/api/v1/tenants/" + acme.tenant + "/support"
		dev, viewer := acme.by["developer"], acme.by["viewer"]

		r := supportOpen(t, dev, acme.tenant, "Audio drops")
		if r.Status != "open" || r.Severity != "high" || r.TenantName != "acme" || r.OpenedBy.Email != "developer@acme.example" {
			t.Fatalf("opened: %+v", r)
		}
		// A viewer reads, but may not open, reply or close.
		code, out := viewer.do(t, http.MethodPost, base, `{"subject": "x", "body": "y"}`)
		if code != http.StatusForbidden || !strings.Contains(errorMessage(t, out), "you need to be a developer or above") {
			t.Fatalf("viewer opens: %d %s", code, out)
		}
		for _, path := range []string{base + "/" + r.ID + "/replies", base + "/" + r.ID + "/status"} {
			if code, _ := viewer.do(t, http.MethodPost, path, `{"body": "y", "status": "closed"}`); code != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d, want 403", path, code)
			}
		}
		if got := supportGet(t, viewer, base+"/"+r.ID); len(got.Messages) != 1 || !strings.Contains(got.Messages[0].Body, "Since Monday.") {
			t.Fatalf("viewer reads: %+v", got)
		}
		// Another tenant's members: 404, by either path.
		other := bolt.by["owner"]
		for _, path := range []string{base, base + "/" + r.ID, "/api/v1/tenants/" + bolt.tenant + "/support/" + r.ID} {
			if code, out := other.do(t, http.MethodGet, path, ""); code != http.StatusNotFound {
				t.Errorf("other tenant's owner GET %s: %d %s", path, code, out)
			}
		}
		if code, _ := other.do(t, http.MethodPost, "/api/v1/tenants/"+bolt.tenant+"/support/"+r.ID+"/replies", `{"body": "hi"}`); code != http.StatusNotFound {
			t.Errorf("other tenant's owner replies: %d", code)
		}
		if code, _ := dev.do(t, http.MethodGet, "/api/v1/support", ""); code != http.StatusForbidden {
			t.Errorf("a member reads the operator's inbox: %d", code)
		}
		supportOpen(t, other, bolt.tenant, "Bolt's own")

		// The operator sees both tenants' requests and answers one.
		code, out = s.call(t, http.MethodGet, "/api/v1/support?status=open", "")
		var inbox api.SupportRequestList
		if code != http.StatusOK || json.Unmarshal(out, &inbox) != nil || len(inbox.Requests) != 2 || inbox.Emailed {
			t.Fatalf("operator's inbox: %d %s", code, out)
		}
		if code, out := s.call(t, http.MethodPost, "/api/v1/support/"+r.ID+"/replies", `{"body": "Which browser?"}`); code != http.StatusCreated {
			t.Fatalf("operator answers: %d %s", code, out)
		}
		got := supportGet(t, dev, base+"/"+r.ID)
		if got.Status != "answered" || len(got.Messages) != 2 || !got.Messages[1].Author.Operator || got.Messages[1].Body != "Which browser?" {
			t.Fatalf("the requester sees: %+v", got)
		}
		// The requester replies (open again), then closes it.
		if code, out := dev.do(t, http.MethodPost, base+"/"+r.ID+"/replies", `{"body": "Chrome 131"}`); code != http.StatusCreated {
			t.Fatalf("reply: %d %s", code, out)
		}
		if got := supportGet(t, acme.by["owner"], base+"/"+r.ID); got.Status != "open" || got.Replies != 2 {
			t.Fatalf("after the member's reply: %+v", got)
		}
		code, out = dev.do(t, http.MethodPost, base+"/"+r.ID+"/status", `{"status": "closed"}`)
		if code != http.StatusOK || !strings.Contains(string(out), `"closed_at"`) {
			t.Fatalf("close: %d %s", code, out)
		}
		if code, out := dev.do(t, http.MethodPost, base+"/"+r.ID+"/status", `{"status": "answered"}`); code != http.StatusForbidden {
			t.Errorf("a member marks it answered: %d %s", code, out)
		}
		code, out = s.call(t, http.MethodGet, "/api/v1/support?tenant="+acme.tenant+"&status=closed", "")
		if code != http.StatusOK || json.Unmarshal(out, &inbox) != nil || len(inbox.Requests) != 1 || inbox.Requests[0].ID != r.ID {
			t.Fatalf("operator's closed list for acme: %d %s", code, out)
		}
	})
}

// TestSupportBounds: bodies over 10 KiB and bad fields are refused with
// the reason; past 20 messages an hour a member gets 429 with Retry-After.
func TestSupportBounds(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@bounds.example", "")
	tn := owner.createTenant(t, "Bounds")
	base := "/api/v1/tenants/" + tn + "/support"
	for _, tc := range []struct{ body, want string }{
		{fmt.Sprintf(`{"subject": "big", "body": %q}`, strings.Repeat("x", 10<<10+1)), "10241 bytes"},
		{`{"subject": "", "body": "x"}`, "subject is required"},
		{`{"subject": "s", "body": "x", "severity": "panic"}`, "not one of low"},
		{`{"subject": "s", "body": "x", "meeting_id": "mtg_nope"}`, "no meeting"},
		{`{"subject": "s", "body": "x", "page": "javascript:alert(1)"}`, "console path"},
	} {
		code, out := owner.do(t, http.MethodPost, base, tc.body)
		if code != http.StatusBadRequest || errorCode(t, out) != "invalid_argument" || !strings.Contains(errorMessage(t, out), tc.want) {
			t.Errorf("%.60s: %d %s, want 400 saying %q", tc.body, code, out, tc.want)
		}
	}
	r := supportOpen(t, owner, tn, "first")
	for i := 1; i < 20; i++ {
		if code, out := owner.do(t, http.MethodPost, base+"/"+r.ID+"/replies", `{"body": "again"}`); code != http.StatusCreated {
			t.Fatalf("message %d: %d %s", i+1, code, out)
		}
	}
	resp, out := s.send(t, http.MethodPost, base+"/"+r.ID+"/replies", []byte(`{"body": "one too many"}`), "Authorization", "", "Cookie", owner.cookie(t), "X-CSRF-Token", owner.csrf, "Origin", s.URL)
	if resp.StatusCode != http.StatusTooManyRequests || errorCode(t, out) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("21st message in an hour: %d %s (Retry-After %q)", resp.StatusCode, out, resp.Header.Get("Retry-After"))
	}
	// The operator is not limited.
	if code, out := s.call(t, http.MethodPost, "/api/v1/support/"+r.ID+"/replies", `{"body": "We are on it."}`); code != http.StatusCreated {
		t.Fatalf("operator's answer: %d %s", code, out)
	}
}

// cookie is the consoleUser's Cookie header for the server.
func (b *consoleUser) cookie(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.s.URL, nil)
	var parts []string
	for _, c := range b.hc.Jar.Cookies(req.URL) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// TestSupportEmail: with SMTP and support.email set, a new request reaches
// the operator's address and the operator's answer the requester's.
func TestSupportEmail(t *testing.T) {
	t.Parallel()
	sink := newSMTPSink(t)
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) {
		c.SMTP.Addr = sink.ln.Addr().String()
		c.SMTP.From = "Confer <console@confer.example>"
		c.Support.Email = "help@confer.example"
	})
	dev := newConsoleUser(s)
	dev.signUpNamed(t, "dev@mail.example", "Dev Eloper", "")
	tn := dev.createTenant(t, "Mail Co")
	r := supportOpen(t, dev, tn, "Recording fails")
	find := func(to string) smtpMessage {
		t.Helper()
		var m smtpMessage
		eventually(t, 20*time.Second, "a mail to "+to, func() bool {
			for _, msg := range sink.messages() {
				if msg.to == to {
					m = msg
					return true
				}
			}
			return false
		})
		return m
	}
	m := find("help@confer.example")
	for _, want := range []string{"Subject: New support request [high]: Recording fails (Mail Co)", "Dev Eloper <dev@mail.example> opened a support request",
		"Since Monday.", s.URL + "/console/operator/support#" + r.ID} {
		if !strings.Contains(m.data, want) {
			t.Errorf("operator's mail lacks %q:\n%s", want, m.data)
		}
	}
	if code, out := s.call(t, http.MethodPost, "/api/v1/support/"+r.ID+"/replies", `{"body": "Fixed in 1.2, please retry."}`); code != http.StatusCreated {
		t.Fatalf("answer: %d %s", code, out)
	}
	m = find("dev@mail.example")
	for _, want := range []string{"Subject: Re: Recording fails [Confer support]", "Fixed in 1.2, please retry.", s.URL + "/console/t/" + tn + "/support#" + r.ID} {
		if !strings.Contains(m.data, want) {
			t.Errorf("requester's mail lacks %q:\n%s", want, m.data)
		}
	}
}

// TestSupportCLI: the CLI opens, lists, shows, answers and closes requests
// with a member's API token and the operator's token.
func TestSupportCLI(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	tm := newTeam(t, s, "cli")
	tokenOf := func(u *consoleUser) string {
		code, out := u.do(t, http.MethodPost, "/api/v1/tenants/"+tm.tenant+"/api-tokens", `{"name": "laptop"}`)
		var tok api.APIToken
		if code != http.StatusCreated || json.Unmarshal(out, &tok) != nil {
			t.Fatalf("token: %d %s", code, out)
		}
		return tok.Token
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONFER_") {
			env = append(env, e)
		}
	}
	as := func(token string) cli {
		return cli{t: t, bin: bin, dir: t.TempDir(), env: env}.withArgs("--server", s.URL, "--token", token)
	}
	dev, viewer, op := as(tokenOf(tm.by["developer"])).withArgs("--tenant", tm.tenant), as(tokenOf(tm.by["viewer"])).withArgs("--tenant", tm.tenant), as(adminToken)

	out, code := dev.run("The recording of yesterday's all-hands is missing.\n", "support", "open", "--subject", "Recording missing", "--severity", "urgent")
	id := match(t, out, `opened (sup_[0-9a-f]+) \(urgent\): Recording missing`)
	if code != 0 {
		t.Fatalf("open: exit %d %s", code, out)
	}
	if out, _ := viewer.fail("support", "open", "--subject", "x", "y"); !strings.Contains(out, "developer or above") {
		t.Fatalf("viewer opens: %s", out)
	}
	if got := viewer.must("support", "list"); !strings.Contains(got, id) || !strings.Contains(got, "Recording missing") {
		t.Fatalf("viewer's list: %s", got)
	}
	if got := op.must("support", "list"); !strings.Contains(got, id) || !strings.Contains(got, "developer@cli.example") {
		t.Fatalf("operator's list: %s", got)
	}
	if got := op.must("support", "reply", id, "Restored; it is under Recordings."); got != "replied to "+id {
		t.Fatalf("operator's reply: %s", got)
	}
	got := dev.must("support", "show", id)
	for _, want := range []string{"status    answered", "severity  urgent", "yesterday's all-hands", "Confer support (operator)", "Restored; it is under Recordings."} {
		if !strings.Contains(got, want) {
			t.Errorf("show lacks %q:\n%s", want, got)
		}
	}
	if got := dev.must("support", "close", id); got != id+" is closed" {
		t.Fatalf("close: %s", got)
	}
	if got := dev.must("support", "list"); strings.Contains(got, id) {
		t.Errorf("a closed request in the default (active) list: %s", got)
	}
	if got := dev.must("support", "list", "--status", "all"); !strings.Contains(got, id) {
		t.Errorf("--status all: %s", got)
	}
	if out, _ := as(tokenOf(tm.by["developer"])).fail("support", "list"); !strings.Contains(out, "pass --tenant") {
		t.Errorf("a member's token without --tenant: %s", out)
	}
}

// TestSupportPages: the Support page is a tenant page like the others
// (members only, strict CSP); the operator's inbox is served without a
// session; every signed-in page carries the support button and its form.
func TestSupportPages(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	a, b := newConsoleUser(s), newConsoleUser(s)
	a.signUp(t, "a@pages.example", "")
	b.signUp(t, "b@pages.example", "")
	tn := a.createTenant(t, "A")
	get := func(u *consoleUser, path string) (*http.Response, string) {
		t.Helper()
		resp, err := u.hc.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		return resp, sb.String()
	}
	for _, path := range []string{"/console/t/" + tn + "/support", "/console/t/" + tn + "/keys", "/console/account"} {
		resp, body := get(a, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") ||
			!strings.Contains(body, `id="support-open"`) || !strings.Contains(body, `<script type="module" src="/console/static/support-form.js">`) {
			t.Errorf("%s: %d, support button and form missing or CSP wrong", path, resp.StatusCode)
		}
	}
	if resp, _ := get(b, "/console/t/"+tn+"/support"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("non-member's support page: %d", resp.StatusCode)
	}
	if _, body := get(b, "/console/tenants"); strings.Contains(body, `id="support-open"`) {
		t.Error("a user without a tenant is offered the support button")
	}
	resp, body := get(newConsoleUser(s), "/console/operator/support")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		!strings.Contains(body, `id="token-form"`) || !strings.Contains(body, `src="/console/static/inbox.js"`) {
		t.Errorf("operator's inbox page: %d %s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
}
