package token

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// nestedPayload is a valid JaaS payload with one more claim, "deep", that
// nests depth arrays: the token of issue 15 that came back as 72 MB.
func nestedPayload(t testing.TB, depth int) json.RawMessage {
	t.Helper()
	p, err := json.Marshal(jaasPayload())
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	return json.RawMessage(string(p[:len(p)-1]) + `,"deep":` + deep + `}`)
}

// nestedToken is issue 15's unsigned token: a payload of depth nested
// arrays under a JaaS header.
func nestedToken(depth int) string {
	hdr := `{"alg":"RS256","typ":"JWT","kid":"` + kidA + `"}`
	pay := `{"a":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
	return b64.EncodeToString([]byte(hdr)) + "." + b64.EncodeToString([]byte(pay)) + ".c2ln"
}

// TestRoomPatternLimits: every unit of matching work counts against one
// budget, and pattern and room lengths are capped (issue 15, item 1).
func TestRoomPatternLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	set := "[" + strings.Repeat("abcdefghij", 350) + "]*"
	for _, tc := range []struct {
		name, pattern, room string
		reason              Reason
		wantErr             error
		msg                 string
	}{
		{name: "%b against many (", pattern: "%b()", room: strings.Repeat("(", 500), reason: ReasonRoomMismatch, msg: "too complex"},
		{name: "%f with a large set", pattern: "%f[" + strings.Repeat("bcdefghij", 27) + "]", room: strings.Repeat("a", 500),
			reason: ReasonRoomMismatch, msg: "too complex"},
		{name: "back-references", pattern: "(.*)%1%1%1%1%1%1%1%1%1%1x", room: strings.Repeat("a", 500), reason: ReasonRoomMismatch, msg: "too complex"},
		{name: "3,500-character set", pattern: set, room: "abc", reason: ReasonRoomMismatch, msg: "256-byte limit"},
		{name: "room name of 60,000 (", pattern: "%b()", room: strings.Repeat("(", 60000), wantErr: ErrInvalidRoom, msg: "512-byte limit"},
		{name: "tenant of 1,000 bytes", pattern: ".*", room: strings.Repeat("t", 1000) + "/daily", wantErr: ErrInvalidRoom, msg: "128-byte limit"},
		{name: "%b balanced", pattern: "%b()", room: "(" + strings.Repeat("()", 100) + ")"},
		{name: "set of 250 characters", pattern: "[" + strings.Repeat("abcdefghij", 25) + "]+", room: strings.Repeat("j", 128)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := f.verifier(t)
			room := tc.room
			if !strings.Contains(room, "/") {
				room = tenantA + "/" + room
			}
			pay := jaasPayload()
			regexRoom(tc.pattern)(pay)
			_, err := v.Verify(context.Background(), signRaw(t, jaasHeader(), pay, f.keyA, ""), room)
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && ReasonOf(err) != tc.reason:
				t.Fatalf("got %v, want reason %q", err, tc.reason)
			case err != nil && !strings.Contains(err.Error(), tc.msg):
				t.Fatalf("got %v, want a message containing %q", err, tc.msg)
			}
			if err != nil && len(err.Error()) > 1024 {
				t.Errorf("message is %d bytes; a refusal must not echo long input", len(err.Error()))
			}
		})
	}
}

// TestRoomMatchStopsWhenCancelled: an abandoned request stops matching.
func TestRoomMatchStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.verifier(t)
	pay := jaasPayload()
	regexRoom("%b()")(pay)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := v.Verify(ctx, signRaw(t, jaasHeader(), pay, f.keyA, ""), tenantA+"/"+strings.Repeat("(", 300))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want %v", err, context.Canceled)
	}
}

// TestNestedTokenRefused: a token whose JSON nests deeper than
// MaxJSONDepth is refused before it is decoded (issue 15, item 2).
func TestNestedTokenRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.verifier(t)
	deepHdr := json.RawMessage(`{"alg":"RS256","typ":"JWT","kid":"` + kidA + `","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`)
	for _, tc := range []struct {
		name      string
		raw       string
		hdr, pay  any
		reason    Reason
		msg       string
		wantValid bool
	}{
		{name: "unsigned payload nesting 6,000 arrays", raw: nestedToken(6000), reason: ReasonPayloadNotFound, msg: "32 levels"},
		{name: "payload nesting 5,000 arrays", hdr: jaasHeader(), pay: nestedPayload(t, 5000), reason: ReasonPayloadNotFound, msg: "32 levels"},
		{name: "payload nesting 40 arrays", hdr: jaasHeader(), pay: nestedPayload(t, 40), reason: ReasonPayloadNotFound, msg: "32 levels"},
		{name: "header nesting 40 arrays", hdr: deepHdr, pay: jaasPayload(), reason: ReasonHeaderNotFound, msg: "32 levels"},
		{name: "payload nesting 31 arrays", hdr: jaasHeader(), pay: nestedPayload(t, 31), wantValid: true},
		{name: "brackets inside strings", hdr: jaasHeader(), pay: withClaim("deep", strings.Repeat("[{", 100)), wantValid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := tc.raw
			if raw == "" {
				raw = signRaw(t, tc.hdr, tc.pay, f.keyA, "")
			}
			_, err := v.Verify(context.Background(), raw, tenantA+"/daily")
			if tc.wantValid {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			if ReasonOf(err) != tc.reason || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want %s with %q", err, tc.reason, tc.msg)
			}
		})
	}
}

// TestInspectBounded: the debugger echoes a token's parts only when they
// are JSON objects within the nesting limit, never more bytes than sent.
func TestInspectBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	nested := nestedToken(6000)
	if h, p := Inspect(nested); h == nil || p != nil {
		t.Fatalf("nested token: got header %v, payload of %d bytes; want header, no payload", h != nil, jsonSize(t, p))
	}
	normal := signRaw(t, jaasHeader(), jaasPayload(), f.keyA, "")
	h, p := Inspect(normal)
	if h == nil || p == nil {
		t.Fatalf("normal token: got header %v, payload %v; want both", h, p)
	}
	if got := jsonSize(t, h) + jsonSize(t, p); got > len(normal) {
		t.Errorf("normal token of %d bytes: echoed %d bytes", len(normal), got)
	}
	var claims map[string]any
	if err := json.Unmarshal(jsonBytes(t, p), &claims); err != nil || claims["room"] != "daily" {
		t.Errorf("payload: got %v (%v), want room daily", claims, err)
	}
}

func withClaim(name string, v any) map[string]any {
	p := jaasPayload()
	p[name] = v
	return p
}

func jsonBytes(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonSize(t *testing.T, v any) int { return len(jsonBytes(t, v)) }

// TestLuaMatchCountsEveryStep: the work the matcher does outside single
// character tests (%b scans, set bytes, frontiers, back-references) is
// counted against its budget.
func TestLuaMatchCountsEveryStep(t *testing.T) {
	t.Parallel()
	set := strings.Repeat("bcdefghij", 27) // 243 bytes, none of them 'a'
	for _, tc := range []struct {
		name, subject, pattern string
		min                    int
	}{
		{"%b scans", strings.Repeat("(", 300), "%b()", 300 * 301 / 2},
		{"set bytes", strings.Repeat("a", 100), "[" + set + "]", 100 * len(set)},
		{"frontier sets", strings.Repeat("a", 100), "%f[" + set + "]", 2 * 101 * len(set)},
		{"back-references", strings.Repeat("a", 100) + "b", "^(a*)%1c", 100 + 50*51/2},
		{"start positions", strings.Repeat("a", 1000), "b", 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, steps, err := luaMatchSteps(context.Background(), tc.subject, tc.pattern)
			if err != nil || steps < tc.min {
				t.Fatalf("string.match(%d bytes, %q): got %d steps (err %v), want at least %d", len(tc.subject), tc.pattern, steps, err, tc.min)
			}
		})
	}
}
