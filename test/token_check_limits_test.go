package test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// unsignedToken is a JWT of the given header and payload JSON with a made-up
// signature, as an attacker without a key would send it.
func unsignedToken(header, payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
}

// TestTokenDebuggerBounded: the token debugger answers about the size of
// the request whatever the token holds (issue 15, item 2: a 16 KB token
// nesting 6,000 arrays came back as a 72 MB answer), and refuses rooms
// longer than the limits and patterns too costly to match (item 1).
func TestTokenDebuggerBounded(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	tn := newTenant(t, s)
	room := tn.ID + "/daily"
	hdr := `{"alg":"RS256","typ":"JWT","kid":"` + tn.KID + `"}`
	valid := `"sub":"` + tn.ID + `","iss":"chat","aud":"jitsi","room":"daily","exp":4102444800`
	regex := func(pattern string) string {
		return tn.token(t, pattern, "ada", false, func(g *token.Grant) { g.RoomRegex = true })
	}
	for _, tc := range []struct {
		name, jwt, room, reason, msg string
		echoed                       bool
	}{
		{name: "payload nesting 6,000 arrays", jwt: unsignedToken(hdr, `{"a":`+strings.Repeat("[", 6000)+strings.Repeat("]", 6000)+`}`),
			room: room, reason: "payloadNotFound", msg: "32 levels"},
		{name: "flat array", jwt: unsignedToken(hdr, `{`+valid+`,"a":[`+strings.Repeat("1,", 5000)+`1]}`),
			room: room, reason: "signatureInvalid", echoed: true},
		{name: "nested to the limit", jwt: unsignedToken(hdr, `{`+valid+`,"a":`+strings.Repeat("[1,", 31)+"1"+strings.Repeat("]", 31)+`}`),
			room: room, reason: "signatureInvalid", echoed: true},
		{name: "HTML and line separators", jwt: unsignedToken(hdr, `{`+valid+`,"a":"`+strings.Repeat("<>&\u2028", 1000)+`"}`),
			room: room, reason: "signatureInvalid", echoed: true},
		{name: "long claims in messages", jwt: unsignedToken(`{"alg":"`+strings.Repeat("\\u0001", 2000)+`","typ":"JWT"}`, `{}`),
			room: room, reason: "algInvalid", echoed: true},
		{name: "%b() against 500 (", jwt: regex("%b()"), room: tn.ID + "/" + strings.Repeat("(", 500), reason: "roomMismatch", msg: "too complex", echoed: true},
		{name: "3,500-character set", jwt: regex("[" + strings.Repeat("abcdefghij", 350) + "]*"), room: tn.ID + "/abc",
			reason: "roomMismatch", msg: "256-byte limit", echoed: true},
	} {
		body, _ := json.Marshal(api.CheckTokenRequest{JWT: tc.jwt, Room: tc.room})
		code, out := s.call(t, "POST", "/api/v1/tokens/check", string(body))
		var res api.CheckTokenResponse
		if code != http.StatusOK || json.Unmarshal(out, &res) != nil {
			t.Fatalf("%s: got %d %.300s, want 200", tc.name, code, out)
		}
		if limit := 1024 + 2*len(body); len(out) > limit {
			t.Errorf("%s: a %d-byte request got a %d-byte answer, want at most %d", tc.name, len(body), len(out), limit)
		}
		if res.Reason != tc.reason || !strings.Contains(res.Message, tc.msg) {
			t.Errorf("%s: got %s %q, want %s with %q", tc.name, res.Reason, res.Message, tc.reason, tc.msg)
		}
		if got := res.Payload != nil; got != tc.echoed {
			t.Errorf("%s: payload echoed %v, want %v", tc.name, got, tc.echoed)
		}
	}
	for _, bad := range []string{tn.ID + "/" + strings.Repeat("(", 60000), strings.Repeat("t", 1000) + "/daily"} {
		body, _ := json.Marshal(api.CheckTokenRequest{JWT: regex("%b()"), Room: bad})
		code, out := s.call(t, "POST", "/api/v1/tokens/check", string(body))
		if code != http.StatusBadRequest || errorCode(t, out) != "invalid_argument" || !strings.Contains(errorMessage(t, out), "-byte limit") {
			t.Errorf("room of %d bytes: got %d %.300s, want 400 invalid_argument naming the limit", len(bad), code, out)
		}
		if len(out) > 1024 {
			t.Errorf("room of %d bytes: got a %d-byte error, want it short", len(bad), len(out))
		}
	}
}
