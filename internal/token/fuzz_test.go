package token

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary strings to Verify. It must never panic, every
// refusal must carry a reason, and nothing may verify unless its signed part
// is exactly one this test signed (no forged or re-encoded token passes).
func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	signed := map[string]bool{}
	add := func(tok string) {
		signed[tok[:strings.LastIndexByte(tok, '.')]] = true
		f.Add(tok)
	}
	add(signRaw(f, jaasHeader(), jaasPayload(), fx.keyA, ""))
	hs := jaasPayload()
	hs["iss"] = appID
	add(signRaw(f, map[string]any{"alg": "HS256", "typ": "JWT"}, hs, nil, appSecret))
	regex := jaasPayload()
	regexRoom("%b()")(regex)
	add(signRaw(f, jaasHeader(), regex, fx.keyA, ""))
	for _, s := range []string{"", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.", strings.Repeat(".", 5), nestedToken(6000), nestedToken(33)} {
		f.Add(s)
	}
	v := fx.verifier(f, func(c *Config) { c.CacheSize = -1 })
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(context.Background(), raw, tenantA+"/daily")
		if err != nil {
			if ReasonOf(err) == ReasonNone {
				t.Fatalf("refusal without a reason: %v", err)
			}
			if len(err.Error()) > 2048 {
				t.Fatalf("refusal of %d bytes: a message must not echo long input", len(err.Error()))
			}
			return
		}
		raw = strings.TrimSpace(raw)
		if !signed[raw[:strings.LastIndexByte(raw, '.')]] {
			t.Fatalf("token %q verified but was never signed here (claims %+v)", raw, claims)
		}
	})
}

// FuzzInspect: the debugger's view of any token is either nothing or JSON
// objects within MaxJSONDepth, never longer than the token itself.
func FuzzInspect(f *testing.F) {
	fx := newFixture(f)
	f.Add(signRaw(f, jaasHeader(), jaasPayload(), fx.keyA, ""))
	f.Add(signRaw(f, jaasHeader(), withClaim("x", "<>&\u2028\u2029"), fx.keyA, ""))
	f.Add(signRaw(f, jaasHeader(), json.RawMessage(`{"n":[9e20,1e400,-0.0]}`), fx.keyA, ""))
	for _, s := range []string{"", "a.b.c", "e30.e30.", "e30.e30.e30.e30", "IHsgfSA.W10.", nestedToken(6000), nestedToken(32), nestedToken(31)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		header, payload := Inspect(raw)
		for _, part := range []json.RawMessage{header, payload} {
			if part == nil {
				continue
			}
			if len(part) > len(raw) || !json.Valid(part) || part[0] != '{' || !jsonWithin(part, MaxJSONDepth) {
				t.Fatalf("Inspect(%q) echoed %q: want a JSON object of at most %d bytes within depth %d", raw, part, len(raw), MaxJSONDepth)
			}
		}
	})
}

// luaSeeds hold every item of a Lua pattern, and issue 15's costly cases.
var luaSeeds = []struct{ subject, pattern string }{
	{"aB3 \t!~\x01\x7f", "."}, {"ab", "%a"}, {"\x01a", "%c"}, {"x7", "%d"}, {" !", "%g"}, {"aB", "%l"},
	{"a,b", "%p"}, {"a b", "%s"}, {"aB", "%u"}, {"a_1", "%w"}, {"fF9g", "%x"},
	{"1a", "%A"}, {"a\x01", "%C"}, {"7x", "%D"}, {"! ", "%G"}, {"Ab", "%L"}, {",a", "%P"}, {" a", "%S"},
	{"Ab", "%U"}, {"_a", "%W"}, {"gF", "%X"}, {"a.b", "%."}, {"100%", "%%"},
	{"abc-", "[abc]+"}, {"xyz", "[^abc]+"}, {"b-m", "[a-z]*"}, {"-a", "[a-]"}, {"]", "[]]"}, {"^", "[%^]"}, {"x", "[^]]"},
	{"aaa", "a*"}, {"aaa", "a+"}, {"aaab", "a-b"}, {"b", "a?b"}, {"abc", "^abc$"}, {"a$b", "a$b"}, {"", "^$"},
	{"hello world", "(%w+) (%w+)"}, {"xab", "()ab()"}, {"abab", "(ab)%1"}, {"aa", "(a)(%1)"},
	{"f(a(b)c)", "%b()"}, {"[x]", "%b[]"}, {"  hello", "%f[%w]%w+"}, {"THE end", "%f[%l]%a+"}, {"x", "%f[^%z]"},
	{"sales-42", "^sales%-%d+$"}, {"team7", "^team[0-9]+$"},
	{"x", "["}, {"x", "%"}, {"x", "(x"}, {"x", "x)"}, {"x", "%b"}, {"x", "%f"}, {"x", "%fx"}, {"x", "%1"}, {"xx", "(()%1"},
	{strings.Repeat("(", MaxRoomNameBytes), "%b()"},
	{strings.Repeat("a", MaxRoomNameBytes), "[" + strings.Repeat("bcdefghij", 27) + "]"},
	{strings.Repeat("a", MaxRoomNameBytes), "%f[" + strings.Repeat("bcdefghij", 27) + "]"},
	{strings.Repeat("a", MaxRoomNameBytes), "(.*)%1%1%1%1%1%1%1%1%1%1x"},
	{strings.Repeat("a", MaxRoomNameBytes), "a*a*a*a*a*a*a*a*a*a*b"},
	{strings.Repeat("a", 80), "[" + strings.Repeat("abcdefghij", 350) + "]*"},
}

// FuzzLuaMatch: the matcher never panics, never works past its budget, and
// returns a substring of the subject (or a position, for "()").
func FuzzLuaMatch(f *testing.F) {
	for _, tc := range luaCases {
		f.Add(tc.subject, tc.pattern)
	}
	for _, tc := range luaSeeds {
		f.Add(tc.subject, tc.pattern)
	}
	f.Fuzz(func(t *testing.T, subject, pattern string) {
		if len(subject) > MaxRoomNameBytes || len(pattern) > 4*MaxRoomPatternBytes {
			return
		}
		got, ok, steps, err := luaMatchSteps(context.Background(), subject, pattern)
		if steps > luaMaxSteps {
			t.Fatalf("string.match(%q, %q) took %d steps, more than the budget of %d", subject, pattern, steps, luaMaxSteps)
		}
		if err != nil || !ok || strings.Contains(subject, got) {
			return
		}
		// Only a position capture, "()", returns something else: a number.
		if _, perr := strconv.Atoi(got); perr != nil || !strings.Contains(pattern, "()") {
			t.Fatalf("string.match(%q, %q) = %q: not a substring of the subject", subject, pattern, got)
		}
	})
}
