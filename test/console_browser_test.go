package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// cfGoto navigates the tab and waits for the page's module to have run.
func cfGoto(t *testing.T, p *page, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("%s: go to %s: %v", p.name, u, err)
	}
}

// cfSubmit fills a form's fields by name and submits it as a person would
// (requestSubmit runs the browser's own validation first).
func cfSubmit(t *testing.T, p *page, form string, values map[string]string) {
	t.Helper()
	v, _ := json.Marshal(values)
	eval[bool](t, p, fmt.Sprintf(`(() => { const f = document.querySelector(%q);
		for (const [k, x] of Object.entries(%s)) f.elements[k].value = x;
		f.requestSubmit(); return true; })()`, form, v))
}

// cfPath waits for the tab to be at a path matching prefix, loaded, and
// returns the path. It keeps asking across navigations (which make a
// single evaluation fail).
func cfPath(t *testing.T, p *page, prefix string) string {
	t.Helper()
	expr := fmt.Sprintf(`location.pathname.startsWith(%q) && document.readyState === 'complete' ? location.pathname : ''`, prefix)
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		cancel()
		if err == nil && got != "" {
			return got
		}
		if err != nil {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	loc, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`location.href`))
	t.Fatalf("%s: not at %s (at %s; %s)", p.name, prefix, loc, last)
	return ""
}

// TestConsoleBrowserFlow drives the console as a new integrator would:
// sign up, create a tenant, upload a key, see it in the start guide, check a
// token in the debugger, invite a teammate who signs up from the link, and
// start a test meeting of the tenant that shows its branding.
func TestConsoleBrowserFlow(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	b := newBrowser(t)
	p := b.open("owner", s.URL+"/console")
	cfPath(t, p, "/console/login")
	p.click(t, `a[href="/console/signup"]`)
	cfPath(t, p, "/console/signup")
	cfSubmit(t, p, "#signup", map[string]string{"email": "ada@example.com", "name": "Ada Lovelace", "password": testPassword})
	cfPath(t, p, "/console/tenants")
	poll[bool](t, p, "empty state", `document.querySelector('#tenant-list .empty') !== null`, 10*time.Second)

	// Create a tenant; the start guide has no key yet.
	cfSubmit(t, p, "#create-tenant", map[string]string{"name": "Flow Co"})
	path := cfPath(t, p, "/console/t/")
	tenantID := strings.Split(path, "/")[3]
	if !strings.HasPrefix(tenantID, "vpaas-magic-cookie-") || !strings.HasSuffix(path, "/start") {
		t.Fatalf("after creating a tenant: %s", path)
	}
	poll[bool](t, p, "no key yet", `document.getElementById('kid').textContent.includes('No key yet')`, 10*time.Second)

	// Upload a public key on the API keys page.
	priv, err := rsakey.Generate(nil, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.click(t, `nav a[href$="/keys"]`)
	cfPath(t, p, "/console/t/"+tenantID+"/keys")
	poll[bool](t, p, "keys empty state", `document.querySelector('#keys .empty') !== null`, 10*time.Second)
	cfSubmit(t, p, "#upload", map[string]string{"public_key": string(rsakey.EncodePublic(&priv.PublicKey))})
	kid := poll[string](t, p, "key listed", `document.querySelector('#keys td code')?.textContent`, 10*time.Second)
	if !strings.HasPrefix(kid, tenantID+"/") {
		t.Fatalf("kid = %q", kid)
	}

	// The start guide fills in the kid, in the text and the samples.
	p.click(t, `nav a[href$="/start"]`)
	cfPath(t, p, "/console/t/"+tenantID+"/start")
	if got := poll[string](t, p, "kid", `document.querySelector('#kid code')?.textContent`, 10*time.Second); got != kid {
		t.Fatalf("start guide kid = %q, want %q", got, kid)
	}
	if !eval[bool](t, p, fmt.Sprintf(`document.querySelector('#sample code').textContent.includes(%q)`, kid)) {
		t.Fatal("the Node sample does not carry the kid")
	}

	// The debugger: a minted token is valid; an expired one is refused with its reason.
	room := tenantID + "/standup"
	jwt, err := token.SignRS256(priv, kid, token.Grant{Tenant: tenantID, Room: "*", User: token.User{Name: "Grace"}, Moderator: true})
	if err != nil {
		t.Fatal(err)
	}
	cfSubmit(t, p, "#debugger", map[string]string{"jwt": jwt, "room": room})
	if v := poll[string](t, p, "verdict", `document.getElementById('verdict-result')?.dataset.valid`, 10*time.Second); v != "true" {
		t.Fatalf("debugger says %s: %s", v, eval[string](t, p, `document.getElementById('verdict').textContent`))
	}
	old := time.Now().Add(-3 * time.Hour)
	expired, _ := token.SignRS256(priv, kid, token.Grant{Tenant: tenantID, Room: "*", NotBefore: old, Expires: old.Add(time.Hour)})
	cfSubmit(t, p, "#debugger", map[string]string{"jwt": expired, "room": room})
	poll[bool](t, p, "refusal", `document.getElementById('verdict-result')?.dataset.valid === 'false' && document.getElementById('verdict').textContent.includes('tokenExpired')`, 10*time.Second)

	// Invite a teammate; the link works for a new account.
	p.click(t, `nav a[href$="/team"]`)
	cfPath(t, p, "/console/t/"+tenantID+"/team")
	poll[bool](t, p, "members", `document.querySelector('#members table') !== null`, 10*time.Second)
	cfSubmit(t, p, "#invite", map[string]string{"email": "grace@example.com", "role": "developer"})
	link := poll[string](t, p, "invitation link", `document.getElementById('invite-link')?.textContent`, 10*time.Second)
	if !strings.HasPrefix(link, s.URL+"/console/invitations/") {
		t.Fatalf("invitation link = %q", link)
	}
	poll[bool](t, p, "pending invitation", `document.getElementById('invitations').textContent.includes('grace@example.com')`, 10*time.Second)

	mate := newBrowser(t).open("teammate", link)
	poll[bool](t, mate, "invitation shown", `document.getElementById('invitation').textContent.includes('Flow Co')`, 10*time.Second)
	mate.click(t, `#invitation a.btn.primary`)
	cfPath(t, mate, "/console/signup")
	if got := eval[string](t, mate, `document.querySelector('#signup').elements.email.value`); got != "grace@example.com" {
		t.Fatalf("sign-up e-mail prefilled with %q", got)
	}
	cfSubmit(t, mate, "#signup", map[string]string{"name": "Grace Hopper", "password": testPassword})
	cfPath(t, mate, "/console/t/"+tenantID+"/start")
	if role := eval[string](t, mate, `document.body.dataset.role`); role != "developer" {
		t.Fatalf("teammate's role = %q", role)
	}
	// The owner's team page shows her without a reload of the invitation list.
	cfGoto(t, p, s.URL+"/console/t/"+tenantID+"/team")
	cfPath(t, p, "/console/t/"+tenantID+"/team")
	poll[bool](t, p, "teammate listed", `document.getElementById('members').textContent.includes('grace@example.com') && document.getElementById('invitations').textContent.includes('No pending')`, 10*time.Second)

	// Branding set on the Branding page shows in the tenant's meetings.
	p.click(t, `nav a[href$="/branding"]`)
	cfPath(t, p, "/console/t/"+tenantID+"/branding")
	poll[bool](t, p, "branding form", `!document.getElementById('branding-fields').disabled && document.querySelector('#branding [name=logo_link]') !== null`, 10*time.Second)
	cfSubmit(t, p, "#branding", map[string]string{"background_color": "#123456", "logo_link": "https://flow.example/"})
	poll[bool](t, p, "branding saved", `fetch('/api/v1/tenants/`+tenantID+`/branding').then(r => r.json()).then(b => b.background_color === '#123456' && b.logo_link === 'https://flow.example/')`, 10*time.Second)
	cfGoto(t, p, s.URL+"/console/t/"+tenantID+"/start")
	cfPath(t, p, "/console/t/"+tenantID+"/start")
	poll[bool](t, p, "guide loaded", `document.querySelector('#kid code') !== null`, 10*time.Second)
	p.click(t, "#test-meeting")
	meetURL := poll[string](t, p, "test meeting link", `document.querySelector('#test-link a')?.href`, 10*time.Second)
	if !strings.HasPrefix(meetURL, s.URL+"/"+tenantID+"/test-") {
		t.Fatalf("test meeting URL = %q", meetURL)
	}
	m := b.open("test meeting", meetURL+"#config.prejoinConfig.enabled=false&config.resolution=360")
	poll[bool](t, m, "joined", `window.confer.state.joined`, 20*time.Second)
	if !eval[bool](t, m, `window.confer.state.moderator === true`) {
		t.Fatal("the test meeting's token did not make the user a moderator")
	}
	bg := poll[string](t, m, "branded background", `getComputedStyle(document.getElementById('meeting')).backgroundColor`, 10*time.Second)
	if bg != "rgb(18, 52, 86)" {
		t.Fatalf("meeting background = %q", bg)
	}
}

// TestConsoleScreenshots writes a screenshot of every console page, on a
// tenant with keys, webhooks, a team, branding and a few meetings, into
// $CONFER_SCREENSHOTS (./scripts/screenshots). Without the variable it is
// skipped.
func TestConsoleScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	clock := &testClock{}
	s := startServerClock(t, store.DialectSQLite, clock.Now, noDemo, func(c *config.Config) { c.Webhook.AllowPrivate = true })

	// Seed through the API as the owner would from the console.
	owner := newConsoleUser(s)
	owner.signUpNamed(t, "ada@acme-health.example", "Ada Lovelace", "")
	tenantID := owner.createTenant(t, "Acme Health")
	base := "/api/v1/tenants/" + tenantID
	must := func(method, path, body string) []byte {
		t.Helper()
		code, out := owner.do(t, method, path, body)
		if code/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		return out
	}
	var key api.Key
	json.Unmarshal(must("POST", base+"/keys", `{"generate": true}`), &key)
	must("POST", base+"/keys", `{"generate": true}`)
	priv, err := rsakey.ParsePrivate([]byte(key.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	var hook struct{ ID string }
	json.Unmarshal(must("POST", base+"/webhooks", `{"url": "`+receiver.URL+`/confer", "events": ["ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "USAGE"]}`), &hook)
	must("POST", base+"/webhooks/"+hook.ID+"/test", "")
	for _, m := range []struct{ email, name, role string }{{"grace@acme-health.example", "Grace Hopper", "admin"}, {"linus@acme-health.example", "Linus Pauling", "developer"}} {
		tok := owner.invite(t, tenantID, m.email, m.role)
		newConsoleUser(s).signUpNamed(t, m.email, m.name, tok)
	}
	pending := owner.invite(t, tenantID, "margaret@acme-health.example", "viewer")
	must("POST", base+"/api-tokens", `{"name": "CI deploy"}`)
	must("PUT", base+"/branding", `{"invite_url": "https://app.acme-health.example/visit", "background_color": "#0b3d91", "logo_link": "https://acme-health.example/"}`)
	must("PUT", "/api/v1/tenants/"+tenantID+"/billing", `{"email": "billing@acme-health.example"}`)

	// A few meetings, for Activity and Analytics.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i, room := range []string{"standup", "patient-intake", "standup"} {
		var cls []*meetclient.Client
		for j, name := range []string{"Ada", "Grace", "Linus"}[:2+i%2] {
			jwt, _ := token.SignRS256(priv, key.KID, token.Grant{Tenant: tenantID, Room: room, User: token.User{ID: name, Name: name}})
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: tenantID + "/" + room, JWT: jwt, DeviceID: fmt.Sprintf("device-%d-%d", i, j)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
				t.Fatal(err)
			}
			cls = append(cls, cl)
		}
		clock.Advance(time.Duration(5+4*i) * time.Minute) // the meeting lasts a few minutes
		for j, cl := range cls {
			if room == "patient-intake" && j == 2 {
				cl.Drop() // vanishes without a goodbye: a dropped participant
				continue
			}
			cl.Close()
		}
	}
	// A token that has expired: a failed join with its reason.
	old := time.Now().Add(-3 * time.Hour)
	expired, _ := token.SignRS256(priv, key.KID, token.Grant{Tenant: tenantID, Room: "standup", NotBefore: old, Expires: old.Add(time.Hour)})
	if cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: tenantID + "/standup", JWT: expired, DeviceID: "late"}); err == nil {
		cl.Close()
	}
	eventually(t, 10*time.Second, "usage recorded", func() bool {
		_, out := owner.do(t, "GET", base+"/usage", "")
		var u struct{ MAU, Meetings int }
		json.Unmarshal(out, &u)
		return u.MAU == 7 && u.Meetings == 3
	})
	eventually(t, 40*time.Second, "the dropped participant noticed", func() bool {
		_, out := owner.do(t, "GET", base+"/analytics/meetings", "")
		return strings.Contains(string(out), "partially_failed")
	})
	s.call(t, "POST", "/api/v1/billing/close", `{"month": "`+time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")+`"}`)

	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	shoot := func(name string, phone bool) {
		t.Helper()
		poll[bool](t, p, name+" loaded", `document.readyState === 'complete' && !document.querySelector('[aria-busy="true"]')`, 15*time.Second)
		sizes := []struct {
			suffix string
			view   chromedp.Action[chromedp.Void]
		}{{"desktop", chromedp.EmulateViewport(1280, 900)}}
		if phone {
			sizes = append(sizes, struct {
				suffix string
				view   chromedp.Action[chromedp.Void]
			}{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)})
		}
		for _, size := range sizes {
			ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
			if err := chromedp.Do(ctx, size.view, chromedp.Sleep(700*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "console-"+name+"-"+size.suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	}
	cfPath(t, p, "/console/login")
	shoot("login", true)
	cfSubmit(t, p, "#login", map[string]string{"email": "ada@acme-health.example", "password": testPassword})
	cfPath(t, p, "/console/t/")
	for _, pg := range []string{"start", "keys", "webhooks", "branding", "activity", "analytics", "plan", "billing", "team", "tokens"} {
		cfGoto(t, p, s.URL+"/console/t/"+tenantID+"/"+pg)
		cfPath(t, p, "/console/t/"+tenantID+"/"+pg)
		shoot(pg, pg == "start" || pg == "activity")
	}
	cfGoto(t, p, s.URL+"/console/tenants")
	cfPath(t, p, "/console/tenants")
	shoot("tenants", false)
	cfGoto(t, p, s.URL+"/console/account")
	cfPath(t, p, "/console/account")
	shoot("account", false)
	// Signed out: the sign-up page and an invitation.
	p.click(t, "#logout")
	cfPath(t, p, "/console/login")
	cfGoto(t, p, s.URL+"/console/signup")
	cfPath(t, p, "/console/signup")
	shoot("signup", false)
	cfGoto(t, p, s.URL+"/console/invitations/"+pending)
	cfPath(t, p, "/console/invitations/")
	poll[bool](t, p, "invitation shown", `document.getElementById('invitation').textContent.includes('Acme Health')`, 10*time.Second)
	shoot("invitation", false)
}

// TestConsoleLoginNext: after signing in the console goes back to the page
// that asked for it, but never off the site.
func TestConsoleLoginNext(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	newConsoleUser(s).signUp(t, "ada@example.com", "")
	b := newBrowser(t)
	for _, tc := range []struct{ next, want string }{
		{"/console/account", "/console/account"},
		{"//evil.example/x", "/console/tenants"},
		{`/\evil.example/x`, "/console/tenants"},
		{"https://evil.example/", "/console/tenants"},
	} {
		p := b.open("next "+tc.next, s.URL+"/console/login?next="+url.QueryEscape(tc.next))
		cfPath(t, p, "/console/login")
		cfSubmit(t, p, "#login", map[string]string{"email": "ada@example.com", "password": testPassword})
		if got := cfPath(t, p, tc.want); got != tc.want || !strings.HasPrefix(eval[string](t, p, `location.href`), s.URL) {
			t.Errorf("next %q: at %s, want %s", tc.next, eval[string](t, p, `location.href`), tc.want)
		}
	}
}
