package token

import (
	"context"
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
	for _, s := range []string{"", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.", strings.Repeat(".", 5)} {
		f.Add(s)
	}
	v := fx.verifier(f, func(c *Config) { c.CacheSize = -1 })
	f.Fuzz(func(t *testing.T, raw string) {
		claims, err := v.Verify(context.Background(), raw, tenantA+"/daily")
		if err != nil {
			if ReasonOf(err) == ReasonNone {
				t.Fatalf("refusal without a reason: %v", err)
			}
			return
		}
		raw = strings.TrimSpace(raw)
		if !signed[raw[:strings.LastIndexByte(raw, '.')]] {
			t.Fatalf("token %q verified but was never signed here (claims %+v)", raw, claims)
		}
	})
}
