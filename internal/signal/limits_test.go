package signal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/room"
)

// dialAs opens a signaling WebSocket as client; the response is returned
// when the upgrade is refused.
func dialAs(ctx context.Context, url, client string) (*websocket.Conn, *http.Response, error) {
	return websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{clientHeader: {client}}})
}

// closedWith reads until the server closes conn and returns its close.
func closedWith(ctx context.Context, conn *websocket.Conn) websocket.CloseError {
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			var ce websocket.CloseError
			errors.As(err, &ce)
			return ce
		}
	}
}

// TestConnectionsPerClient: a client address holds at most
// MaxConnsPerClient connections; the next upgrade is refused with 429 and
// its reason, other addresses are unaffected, and a closed connection
// frees its slot.
func TestConnectionsPerClient(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{MaxConnsPerClient: 3})
	url := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var held []*websocket.Conn
	for i := range 3 {
		c, _, err := dialAs(ctx, url, "198.51.100.7")
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.CloseNow()
		held = append(held, c)
	}
	_, resp, err := dialAs(ctx, url, "198.51.100.7")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("connection 4: got %v, %v; want 429", resp, err)
	}
	if body, _ := io.ReadAll(resp.Body); !strings.HasPrefix(string(body), "tooManyConnections: ") {
		t.Errorf("429 body: got %q, want the tooManyConnections reason", body)
	}
	other, _, err := dialAs(ctx, url, "203.0.113.9")
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	other.CloseNow()
	held[0].Close(websocket.StatusNormalClosure, "bye")
	eventually(t, ctx, "the freed slot", func() bool {
		c, _, err := dialAs(ctx, url, "198.51.100.7")
		if err == nil {
			c.CloseNow()
		}
		return err == nil
	})
}

// TestFirstMessageTimeout: a connection that never says hello is closed
// after FirstMessageTimeout, with the timeout code and its reason; one
// that says hello is not.
func TestFirstMessageTimeout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{FirstMessageTimeout: 100 * time.Millisecond, HelloTimeout: time.Minute})
	url := serve(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The greeted connection's timer starts first: when the idle one has
	// been closed, the greeted one's has fired too.
	greeted, _, err := dialAs(ctx, url, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	defer greeted.CloseNow()
	exchange := func(msg, want string) {
		t.Helper()
		if err := greeted.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := greeted.Read(ctx); err != nil || !strings.Contains(string(got), want) {
			t.Fatalf("%s: got %s, %v; want %s", msg, got, err, want)
		}
	}
	exchange(`{"type":"hello","v":1,"room":"open-room","jwt":""}`, `"ready"`)
	idle, _, err := dialAs(ctx, url, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}
	defer idle.CloseNow()
	if ce := closedWith(ctx, idle); ce.Code != CloseTimeout || !strings.Contains(ce.Reason, "no hello within 100ms") {
		t.Errorf("an idle connection: closed with %d %q, want %d naming the hello timeout", ce.Code, ce.Reason, CloseTimeout)
	}
	exchange(`{"type":"ping"}`, `"pong"`)
}

// TestGuessLimiter: wrong passwords are counted per room and address in
// fixed windows; after max, the wait is what is left of the window.
func TestGuessLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	l := newGuessLimiter(3, 15*time.Minute, func() time.Time { return now })
	a, b := room.NewKey("", "vault"), room.NewKey("", "other")
	for range 3 {
		if w := l.wait(a, "ip1"); w != 0 {
			t.Fatalf("before the third wrong password: wait %v, want 0", w)
		}
		l.fail(a, "ip1")
		now = now.Add(time.Minute)
	}
	for _, tt := range []struct {
		name string
		room room.Key
		ip   string
		want time.Duration
	}{
		{"the guesser", a, "ip1", 12 * time.Minute},
		{"another address", a, "ip2", 0},
		{"another room", b, "ip1", 0},
	} {
		if got := l.wait(tt.room, tt.ip); got != tt.want {
			t.Errorf("%s: wait %v, want %v", tt.name, got, tt.want)
		}
	}
	now = now.Add(12 * time.Minute)
	if w := l.wait(a, "ip1"); w != 0 {
		t.Errorf("once the window ended: wait %v, want 0", w)
	}
	l.fail(b, "ip3") // sweeps the ended window
	if n := len(l.wrong); n != 1 {
		t.Errorf("after the sweep %d windows are kept, want 1", n)
	}
}

// TestConnectRate: an address that opens connections faster than
// ConnectsPerSecond, past its burst, is told to wait, with the wait named;
// closing connections does not give the rate back.
func TestConnectRate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l := newConnLimiter(1000, 2, 100, func() time.Time { return now })
	for i := range 100 {
		if d := l.acquire("a"); d != 0 {
			t.Fatalf("connection %d within the burst: wait %v", i+1, d)
		}
		l.release("a")
	}
	if d := l.acquire("a"); d <= 0 || d > time.Second {
		t.Fatalf("connection 101 at once: got %v, want a wait of up to 1 s", d)
	}
	if d := l.acquire("b"); d != 0 {
		t.Errorf("another address waits %v", d)
	}
	now = now.Add(time.Second)
	if d := l.acquire("a"); d != 0 {
		t.Errorf("after a second: wait %v", d)
	}
}
