package test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
)

func TestBrandingAPI(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		other := newTenant(t, s)
		path := "/api/v1/tenants/" + f.ID + "/branding"
		if code, body := s.call(t, "GET", path, ""); code != 200 || !strings.Contains(string(body), `"invite_url": ""`) {
			t.Fatalf("unset branding: %d %s", code, body)
		}
		code, body := s.call(t, "PUT", path, `{"invite_url": "https://app.example.com/meet/", "frame_ancestors": ["https://app.example.com", "'self'"]}`)
		if code != 200 || !strings.Contains(string(body), `"invite_url": "https://app.example.com/meet"`) {
			t.Fatalf("put branding: %d %s", code, body)
		}
		for _, tc := range []struct{ name, body, code string }{
			{"relative invite URL", `{"invite_url": "/meet"}`, "invalid_argument"},
			{"invite URL with query", `{"invite_url": "https://a.example/?x=1"}`, "invalid_argument"},
			{"javascript URL", `{"invite_url": "javascript:alert(1)"}`, "invalid_argument"},
			{"ancestor with path", `{"frame_ancestors": ["https://a.example/x"]}`, "invalid_argument"},
			{"ancestor injecting a directive", `{"frame_ancestors": ["https://a.example; script-src *"]}`, "invalid_argument"},
		} {
			code, body := s.call(t, "PUT", path, tc.body)
			if code != 400 || errorCode(t, body) != tc.code {
				t.Errorf("%s: got %d %s", tc.name, code, body)
			}
		}
		if code, body := s.call(t, "GET", path, ""); code != 200 || !strings.Contains(string(body), "app.example.com/meet") {
			t.Errorf("refused updates changed the branding: %s", body)
		}
		if code, body := s.call(t, "GET", "/api/v1/tenants/"+other.ID+"/branding", ""); code != 200 || strings.Contains(string(body), "app.example.com") {
			t.Errorf("another tenant sees the branding: %d %s", code, body)
		}
		if code, _ := s.call(t, "PUT", "/api/v1/tenants/vpaas-magic-cookie-00000000000000000000000000000000/branding", `{}`); code != 404 {
			t.Errorf("branding of an unknown tenant: %d, want 404", code)
		}
		// The meeting page of this tenant may be framed only by the listed origins.
		resp, err := http.Get(s.URL + "/" + f.ID + "/standup")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "; frame-ancestors https://app.example.com 'self'") ||
			!strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP: %q", csp)
		}
		resp, err = http.Get(s.URL + "/" + other.ID + "/standup")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp, xfo := resp.Header.Get("Content-Security-Policy"), resp.Header.Get("X-Frame-Options"); strings.Contains(csp, "frame-ancestors") || xfo != "" {
			t.Errorf("default tenant page is not embeddable anywhere: CSP %q, X-Frame-Options %q", csp, xfo)
		}
	})
}

// TestBrowserInviteLink: the invite dialog shows <invite_url>/<alias> with
// configOverwrite.brandingRoomAlias, else the meeting's own URL.
func TestBrowserInviteLink(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	if _, err := s.Client.SetBranding(context.Background(), f.ID, api.Branding{InviteURL: "https://app.example.com/meet"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	for _, tc := range []struct{ alias, want string }{
		{`"team-sync"`, "https://app.example.com/meet/team-sync"},
		{"", s.URL + "/" + f.ID + "/invite"},
	} {
		hash := fastMeeting()
		if tc.alias != "" {
			hash["config.brandingRoomAlias"] = tc.alias
		}
		p := b.open("invite"+tc.alias, meetingURL(s.URL, f.ID+"/invite", f.token(t, "invite", "Host", true), hash))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		p.click(t, "#tb-invite")
		if got := poll[string](t, p, "invite link", `!document.getElementById('invite-dialog').hidden && document.getElementById('invite-link').value`, 10*time.Second); got != tc.want {
			t.Errorf("alias %s: invite link %q, want %q", tc.alias, got, tc.want)
		}
	}
}

// TestHTTPS: --tls-self-signed serves everything over HTTPS, at exactly
// https://HOST/<tenant>/<room>, whatever Host the client used, and a browser
// meets there.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.TLS.SelfSigned = true })
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("server URL %s is not https", s.URL)
	}
	f := newTenant(t, s)
	insecure := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct{ path, host, want string }{
		{"/healthz", "", "ok"},
		{"/" + f.ID + "/standup", "", "<title>Confer meeting</title>"},
		{"/" + f.ID + "/standup", "meet.example.com", "<title>Confer meeting</title>"},
		{"/external_api.js", "", "JitsiMeetExternalAPI"},
		{"/" + f.ID + "/external_api.js", "", "JitsiMeetExternalAPI"},
		{"/libs/external_api.min.js", "8x8.vc", "JitsiMeetExternalAPI"},
	} {
		req, _ := http.NewRequest("GET", s.URL+tc.path, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := insecure.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", tc.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s (Host %q): %d, body without %q", tc.path, tc.host, resp.StatusCode, tc.want)
		}
		if resp.TLS == nil || len(resp.TLS.PeerCertificates) == 0 || resp.TLS.PeerCertificates[0].VerifyHostname("127.0.0.1") != nil {
			t.Errorf("GET %s: certificate not valid for 127.0.0.1", tc.path)
		}
	}
	b := newBrowser(t, "ignore-certificate-errors")
	p := b.open("https", meetingURL(s.URL, f.ID+"/secure", f.token(t, "secure", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined over HTTPS and WSS", `location.protocol === 'https:' && window.confer.state.joined`, 20*time.Second)
}
