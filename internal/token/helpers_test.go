package token

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/rsakey"
)

const (
	tenantA   = "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe"
	tenantB   = "vpaas-magic-cookie-00000000000000000000000000000bbb"
	kidA      = tenantA + "/4f4910"
	kidB      = tenantB + "/b0b0b0"
	appSecret = "s3cret-app-secret"
	appID     = "my_app"
)

// t0 is the fixed "now" of the table tests.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// memKeys is a KeyResolver over a map, with revocation.
type memKeys struct {
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	revoked map[string]bool
}

func (m *memKeys) TenantKey(_ context.Context, kid string) (*rsa.PublicKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.revoked[kid] {
		return nil, fmt.Errorf("kid %s: %w", kid, ErrKeyRevoked)
	}
	k, ok := m.keys[kid]
	if !ok {
		return nil, fmt.Errorf("kid %s: %w", kid, ErrKeyNotFound)
	}
	return k, nil
}

func (m *memKeys) revoke(kid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoked[kid] = true
}

func loadPrivate(t testing.TB, name string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	k, err := rsakey.ParsePrivate(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture holds the keys of the token tests.
type fixture struct {
	keyA, keyB, other *rsa.PrivateKey
	keys              *memKeys
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{keyA: loadPrivate(t, "tenant_a.key"), other: loadPrivate(t, "other.key")}
	f.keyB = f.other
	f.keys = &memKeys{
		keys:    map[string]*rsa.PublicKey{kidA: &f.keyA.PublicKey, kidB: &f.keyB.PublicKey},
		revoked: map[string]bool{},
	}
	return f
}

// verifier returns a Verifier with tenant keys and a self-hosted app secret,
// clocked at t0, changed by opts.
func (f *fixture) verifier(t testing.TB, opts ...func(*Config)) *Verifier {
	t.Helper()
	cfg := Config{Keys: f.keys, AppID: appID, AppSecret: appSecret, Now: func() time.Time { return t0 }}
	for _, o := range opts {
		o(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jaasHeader and jaasPayload are a valid JaaS token for room "daily" of
// tenant A, as 8x8's samples build it.
func jaasHeader() map[string]any {
	return map[string]any{"alg": "RS256", "typ": "JWT", "kid": kidA}
}

func jaasPayload() map[string]any {
	return map[string]any{
		"aud": "jitsi", "iss": "chat", "sub": tenantA, "room": "daily",
		"exp": float64(t0.Add(time.Hour).Unix()), "nbf": float64(t0.Add(-time.Minute).Unix()),
		"context": map[string]any{
			"user": map[string]any{
				"id": "u-42", "name": "Ada Lovelace", "avatar": "https://example.com/ada.png",
				"email": "ada@example.com", "moderator": "true",
			},
			"features": map[string]any{"livestreaming": "true", "recording": "false", "transcription": true, "outbound-call": false},
		},
	}
}

// signRaw builds a token from arbitrary header and payload JSON values,
// signing with RS256 (key) or HS256 (secret) as header alg says.
func signRaw(t testing.TB, header, payload any, key *rsa.PrivateKey, secret string) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	var sig []byte
	if key != nil {
		digest := sha256.Sum256([]byte(input))
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	} else {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(input))
		sig = mac.Sum(nil)
	}
	return input + "." + b64.EncodeToString(sig)
}
