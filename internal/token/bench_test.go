package token

import (
	"context"
	"crypto/rsa"
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
