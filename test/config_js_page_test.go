package test

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/store"
)

// jitsiConfig is the part of config.js a Jitsi client reads.
type jitsiConfig struct {
	Hosts struct {
		Domain string `json:"domain"`
		MUC    string `json:"muc"`
		Focus  string `json:"focus"`
	} `json:"hosts"`
	Websocket string  `json:"websocket"`
	Bosh      *string `json:"bosh"`
	P2P       struct {
		Enabled bool `json:"enabled"`
	} `json:"p2p"`
	Flags map[string]bool `json:"flags"`
}

// TestConfigJS: GET /<tenant>/config.js (with ?room=) and /config.js
// answer "var config = {…};" naming this deployment's XMPP domain, MUC,
// focus and WebSocket — wss:// when a trusted proxy says the client came
// over HTTPS — with the headers of the other public scripts.
func TestConfigJS(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	host := strings.TrimPrefix(s.URL, "http://")
	tests := []struct {
		name, path, proto             string
		domain, muc, focus, websocket string
	}{
		{"tenant", "/" + f.ID + "/config.js?room=standup", "",
			"127.0.0.1", "conference." + f.ID + ".127.0.0.1", "focus.127.0.0.1", "ws://" + host + "/" + f.ID + "/xmpp-websocket"},
		{"tenant behind HTTPS proxy", "/" + f.ID + "/config.js", "https",
			"127.0.0.1", "conference." + f.ID + ".127.0.0.1", "focus.127.0.0.1", "wss://" + host + "/" + f.ID + "/xmpp-websocket"},
		{"no tenant", "/config.js?room=open", "",
			"127.0.0.1", "conference.127.0.0.1", "focus.127.0.0.1", "ws://" + host + "/xmpp-websocket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", s.URL+tc.path, nil)
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			res, err := s.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			for h, want := range map[string]string{"Content-Type": "text/javascript; charset=utf-8", "X-Content-Type-Options": "nosniff",
				"Cache-Control": "public, max-age=300", "Content-Security-Policy": "default-src 'none'", "Access-Control-Allow-Origin": "*"} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s: got %q, want %q", h, got, want)
				}
			}
			c := readConfigJS(t, res.StatusCode, string(body))
			if c.Hosts.Domain != tc.domain || c.Hosts.MUC != tc.muc || c.Hosts.Focus != tc.focus || c.Websocket != tc.websocket {
				t.Errorf("config: got %+v, want domain %s muc %s focus %s websocket %s", c, tc.domain, tc.muc, tc.focus, tc.websocket)
			}
			if c.Bosh != nil || c.P2P.Enabled || c.Flags["ssrcRewritingEnabled"] || !c.Flags["sourceNameSignaling"] {
				t.Errorf("config flags: got %+v, want no bosh, no p2p, no SSRC rewriting, source names", c)
			}
		})
	}
	for path, want := range map[string]int{"/" + f.ID + "/config.js?room=a%20b": http.StatusBadRequest} {
		if code, body := s.call(t, "GET", path, ""); code != want {
			t.Errorf("GET %s: got %d %s, want %d", path, code, body, want)
		}
	}
}

// readConfigJS reads the config object out of a config.js answer.
func readConfigJS(t *testing.T, status int, js string) jitsiConfig {
	t.Helper()
	const prefix = "var config = "
	i := strings.Index(js, prefix)
	if status != http.StatusOK || i < 0 || !strings.HasSuffix(js, ";\n") {
		t.Fatalf("config.js: got %d %q, want var config = {…};", status, js)
	}
	var c jitsiConfig
	if err := json.Unmarshal([]byte(strings.TrimSuffix(js[i+len(prefix):], ";\n")), &c); err != nil {
		t.Fatalf("config.js object: %v", err)
	}
	return c
}

// TestConfigJSMobileLoad: Node evaluates /<tenant>/config.js?room= in a
// sandbox exactly as the mobile SDK's loadConfig does and reads config out;
// its WebSocket, with ?room= and ?token= added as lib-jitsi-meet adds them,
// logs in.
func TestConfigJSMobileLoad(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed (./scripts/test installs it)")
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	out, err := exec.Command("node", "interop/loadconfig.js", s.URL+"/"+f.ID+"/config.js?room=standup").Output()
	if err != nil {
		t.Fatalf("node loadconfig.js: %v", err)
	}
	var c jitsiConfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("config read out by node: %q: %v", out, err)
	}
	wantWS := "ws://" + strings.TrimPrefix(s.URL, "http://") + "/" + f.ID + "/xmpp-websocket"
	if c.Websocket != wantWS || c.Hosts.Domain != "127.0.0.1" || c.Hosts.MUC != "conference."+f.ID+".127.0.0.1" {
		t.Fatalf("config read out by node: got %s, want websocket %s", out, wantWS)
	}
	cl := s.dialXMPP(t, strings.TrimPrefix(c.Websocket, "ws://"+strings.TrimPrefix(s.URL, "http://")), "standup", f.token(t, "standup", "Ada", false))
	if jid := cl.login(c.Hosts.Domain); jid == "" {
		t.Error("no JID bound")
	}
}
