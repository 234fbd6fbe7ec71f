package test

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/token"
)

// loadClip encodes the test media once per test binary.
var loadClip = sync.OnceValues(func() (*media.Clip, error) {
	dir := os.Getenv("CONFER_MEDIA_DIR")
	if dir == "" {
		dir = os.TempDir() + "/confer-media"
	}
	if err := media.Generate(context.Background(), dir); err != nil {
		return nil, err
	}
	return media.Load(dir)
})

func clip(t *testing.T) *media.Clip {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if storetest.Required() {
			t.Fatal("ffmpeg is missing; ./scripts/test installs it")
		}
		t.Skip("ffmpeg not installed; run ./scripts/test")
	}
	c, err := loadClip()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tenantFixture is a tenant with a generated key, ready to mint tokens.
type tenantFixture struct {
	ID   string
	KID  string
	priv *rsa.PrivateKey
}

func newTenant(t *testing.T, s *testServer) *tenantFixture {
	t.Helper()
	ctx := context.Background()
	tn, err := s.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Meet"})
	if err != nil {
		t.Fatal(err)
	}
	return tenantKey(t, s, tn.ID)
}

// tenantKey gives an existing tenant a generated key to mint tokens with.
func tenantKey(t *testing.T, s *testServer, tenantID string) *tenantFixture {
	t.Helper()
	k, err := s.Client.CreateKey(context.Background(), tenantID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := rsakey.ParsePrivate([]byte(k.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return &tenantFixture{ID: tenantID, KID: k.KID, priv: priv}
}

// token mints a token for room (a name in this tenant).
func (f *tenantFixture) token(t *testing.T, room, name string, moderator bool, mutate ...func(*token.Grant)) string {
	t.Helper()
	g := token.Grant{Tenant: f.ID, Room: room, Moderator: moderator, User: token.User{ID: "u-" + name, Name: name}}
	for _, m := range mutate {
		m(&g)
	}
	jwt, err := token.SignRS256(f.priv, f.KID, g)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func (s *testServer) wsURL() string {
	return "ws" + strings.TrimPrefix(s.URL, "http") + "/_confer/signal"
}

// dial connects a Go meeting client; it is closed when the test ends.
func (s *testServer) dial(t *testing.T, room, jwt string, c *media.Clip) (*meetclient.Client, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: room, JWT: jwt, DeviceID: fmt.Sprintf("dev-%d", time.Now().UnixNano()), Clip: c,
		HTTPClient: s.HTTP})
	if err != nil {
		return nil, err
	}
	t.Cleanup(cl.Close)
	return cl, nil
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", timeout, what)
}

// receivesFrom reports whether c gets audio and video packets from every
// participant in ids (at least min packets each).
func receivesFrom(c *meetclient.Client, ids []string, min int64) bool {
	got := map[string]map[string]int64{}
	for _, r := range c.Remote() {
		if got[r.ParticipantID] == nil {
			got[r.ParticipantID] = map[string]int64{}
		}
		got[r.ParticipantID][r.Kind] += r.Packets
	}
	for _, id := range ids {
		if got[id]["audio"] < min || got[id]["video"] < min {
			return false
		}
	}
	return true
}

// asRefused is errors.As for *meetclient.RefusedError.
func asRefused(err error, target **meetclient.RefusedError) bool {
	return errors.As(err, target)
}

// join dials and joins the room, failing the test on error.
func (s *testServer) join(ctx context.Context, t *testing.T, room, jwt string, c *media.Clip) (*meetclient.Client, *meetclient.Joined) {
	t.Helper()
	cl, err := s.dial(t, room, jwt, c)
	if err != nil {
		t.Fatalf("dial %s: %v", room, err)
	}
	j, err := cl.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatalf("join %s: %v", room, err)
	}
	return cl, j
}
