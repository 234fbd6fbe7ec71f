package signal

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
)

// Self-hosted token settings of the test servers.
const (
	testAppID     = "signal-unit-tests"
	testAppSecret = "signal-unit-test-secret-0123456789"
)

// clientHeader names the test client in requests (Config.ClientIP).
const clientHeader = "X-Test-Client"

// newTestServer builds a signaling Server on real components — token
// verifier (HS256 and anonymous), tenants on a fresh SQLite store, rooms,
// and an SFU on loopback — with cfg's limits.
func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tenants, err := tenant.New(tenant.Config{Store: storetest.Open(t, store.DialectSQLite), KeyBits: 2048, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := token.New(token.Config{AppID: testAppID, AppSecret: testAppSecret, AllowEmptyToken: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	media, err := sfu.New(sfu.Config{UDPAddr: "127.0.0.1:0", LoopbackOnly: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { media.Close() })
	cfg.Tokens, cfg.Tenants, cfg.Rooms, cfg.SFU, cfg.Logger = tokens, tenants, room.NewManager(room.Config{Logger: log}), media, log
	if cfg.ClientIP == nil {
		cfg.ClientIP = func(r *http.Request) string { return r.Header.Get(clientHeader) }
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
	})
	return s
}

// serve runs s on a loopback HTTP server and returns its ws:// URL.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

// signHS256 mints a self-hosted token for room with the test secret.
func signHS256(t testing.TB, room string, moderator bool) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"aud": "jitsi", "iss": testAppID, "sub": "*", "room": room, "moderator": moderator,
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"context": map[string]any{"user": map[string]any{"id": "u1", "name": "Tester"}},
	})
	s, err := tok.SignedString([]byte(testAppSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// eventually polls cond until it holds or ctx ends.
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-tick.C:
		}
	}
}
