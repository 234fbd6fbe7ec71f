package token

import (
	"context"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/rsakey"
)

// benchKey is an RSA-4096 key, the size JaaS and Confer generate.
var benchKey *rsa.PrivateKey

func benchVerifier(b *testing.B, cacheSize int) (*Verifier, string, string) {
	b.Helper()
	if benchKey == nil {
		k, err := rsakey.Generate(nil, 4096)
		if err != nil {
			b.Fatal(err)
		}
		benchKey = k
	}
	f := newFixture(b)
	f.keys.keys[kidA] = &benchKey.PublicKey
	v := f.verifier(b, func(c *Config) { c.CacheSize = cacheSize })
	rs := signRaw(b, jaasHeader(), jaasPayload(), benchKey, "")
	hsPay := jaasPayload()
	hsPay["iss"] = appID
	hs := signRaw(b, map[string]any{"alg": "HS256", "typ": "JWT"}, hsPay, nil, appSecret)
	return v, rs, hs
}

func runVerify(b *testing.B, v *Verifier, tok string) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, tenantA+"/daily"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures one core verifying the same token repeatedly:
// "nocache" does the full work each time (decode, RSA/HMAC, claims), "cached"
// finds the signature already verified and re-checks key, time and room.
func BenchmarkVerify(b *testing.B) {
	b.Run("RS256-4096/nocache", func(b *testing.B) {
		v, rs, _ := benchVerifier(b, -1)
		runVerify(b, v, rs)
	})
	b.Run("RS256-4096/cached", func(b *testing.B) {
		v, rs, _ := benchVerifier(b, 0)
		runVerify(b, v, rs)
	})
	b.Run("HS256/nocache", func(b *testing.B) {
		v, _, hs := benchVerifier(b, -1)
		runVerify(b, v, hs)
	})
	b.Run("HS256/cached", func(b *testing.B) {
		v, _, hs := benchVerifier(b, 0)
		runVerify(b, v, hs)
	})
}

// worstPatterns are room patterns that cost the most to check within the
// limits (MaxRoomPatternBytes, MaxRoomNameBytes, the matcher's step budget),
// against the room each is hardest on; issue 15's cases are among them.
var worstPatterns = []struct{ name, pattern, room string }{
	{"balance", "%b()", strings.Repeat("(", MaxRoomNameBytes)},
	{"set", "[" + strings.Repeat("bcdefghij", 27) + "]", strings.Repeat("a", MaxRoomNameBytes)},
	{"set-3500", "[" + strings.Repeat("abcdefghij", 350) + "]*", strings.Repeat("a", 128)},
	{"frontier", "%f[" + strings.Repeat("bcdefghij", 27) + "]", strings.Repeat("a", MaxRoomNameBytes)},
	{"optional", strings.Repeat("a?", 127) + "b", strings.Repeat("a", MaxRoomNameBytes)},
	{"optional-dollar", strings.Repeat("a?", 126) + "$b", strings.Repeat("a", MaxRoomNameBytes)},
	{"class-optional", strings.Repeat("%a?", 84) + "b", strings.Repeat("a", MaxRoomNameBytes)},
	{"captures", strings.Repeat("(a?)", 31) + "b", strings.Repeat("a", MaxRoomNameBytes)},
	{"position-captures", strings.Repeat("()a?", 31) + strings.Repeat("a?", 60) + "b", strings.Repeat("a", MaxRoomNameBytes)},
	{"stars", "a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", MaxRoomNameBytes)},
	{"back-references", "(.*)%1%1%1%1%1%1%1%1%1%1x", strings.Repeat("a", MaxRoomNameBytes)},
}

// BenchmarkVerifyRoomPattern measures one core checking a token whose room
// claim is a costly Lua pattern (context.room.regex) against a room it is
// refused for: the worst case of one token check is the slowest of these
// plus, without the cache, RS256-4096/nocache of BenchmarkVerify.
func BenchmarkVerifyRoomPattern(b *testing.B) {
	for _, wp := range worstPatterns {
		b.Run(wp.name, func(b *testing.B) {
			v, _, _ := benchVerifier(b, 0)
			pay := jaasPayload()
			regexRoom(wp.pattern)(pay)
			tok := signRaw(b, jaasHeader(), pay, benchKey, "")
			ctx, room := context.Background(), tenantA+"/"+wp.room
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok, room); ReasonOf(err) != ReasonRoomMismatch {
					b.Fatalf("got %v, want roomMismatch", err)
				}
			}
		})
	}
}
