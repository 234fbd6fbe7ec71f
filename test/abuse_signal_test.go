package test

// Abuse tests of the signaling endpoint (issue 15): no request may cost the
// server more than it costs the sender. Each drives the real server the way
// the reproduction did.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// openStoreOf opens a second handle on a test server's database, to count
// rows the API does not show.
func openStoreOf(t *testing.T, s *testServer) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), store.Config{URL: s.Config.Database.URL, DataDir: s.Config.Data})
	if err != nil {
		t.Fatalf("open the server's store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// joinFailureCounts is the join-failures answer: each row's reason and how
// many refusals it stands for.
type joinFailureCounts struct {
	JoinFailures []struct {
		Reason string `json:"reason"`
		Count  int    `json:"count"`
	} `json:"join_failures"`
}

// refusedHello sends hello with jwt to room on a fresh connection from
// client (behind the trusted proxy) and waits for the server to close it;
// it returns the close code.
func refusedHello(ctx context.Context, s *testServer, client, room, jwt string) (websocket.StatusCode, error) {
	conn, _, err := websocket.Dial(ctx, s.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"X-Forwarded-For": {client}}})
	if err != nil {
		return 0, err
	}
	defer conn.CloseNow()
	hello, _ := json.Marshal(map[string]any{"type": "hello", "v": 1, "room": room, "jwt": jwt, "deviceId": "spam"})
	if err := conn.Write(ctx, websocket.MessageText, hello); err != nil {
		return 0, err
	}
	for {
		if _, _, err := conn.Read(ctx); err != nil {
			return websocket.CloseStatus(err), nil
		}
	}
}

// TestAbuseRefusedHellosWriteBoundedRows: 1,000 unauthenticated hellos
// (jwt "x") to 1,000 rooms of a tenant, from 1,000 addresses (so that the
// limits per address do not stop them first), are all refused, and write a
// bounded number of join_failures rows that still tell how many refusals
// there were.
func TestAbuseRefusedHellosWriteBoundedRows(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo, behindProxy)
		f := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		const hellos, workers = 1000, 20
		next := make(chan int)
		go func() {
			defer close(next)
			for i := range hellos {
				next <- i
			}
		}()
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Go(func() {
				for i := range next {
					client := fmt.Sprintf("198.51.%d.%d", i/256, i%256)
					code, err := refusedHello(ctx, s, client, fmt.Sprintf("%s/spam-%d", f.ID, i), "x")
					if err == nil && code != closeTokenRefused {
						err = fmt.Errorf("hello %d closed with %d, want %d", i, code, closeTokenRefused)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}

		var rows, total int
		st := openStoreOf(t, s)
		if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM join_failures WHERE tenant_id = $1`, f.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		// One row per reason and hour (a test running across an hour
		// boundary may see two).
		if rows > 2 {
			t.Errorf("%d refused hellos wrote %d join_failures rows, want at most 2", hellos, rows)
		}
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
		var fails joinFailureCounts
		if err := json.Unmarshal(body, &fails); err != nil {
			t.Fatalf("join failures %s: %v", body, err)
		}
		for _, jf := range fails.JoinFailures {
			if jf.Reason == string(token.ReasonMalformed) {
				total += jf.Count
			}
		}
		if total != hellos {
			t.Errorf("the join failures count %d malformed refusals, want %d: %s", total, hellos, body)
		}
	})
}

// TestAbuseConnectionsPerAddress: one client address may hold 50 signaling
// connections; the 51st upgrade is refused with 429 and a message saying
// why, and a slot freed lets the next one in.
func TestAbuseConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const limit = 50
	jwt := f.token(t, "idle", "Idle", false)
	var held []*sigRawClient
	for range limit {
		rc := sigRawDial(t, s)
		rc.hello(t, f.ID+"/idle", jwt) // ready: held open until join is due
		held = append(held, rc)
	}
	conn, resp, err := websocket.Dial(ctx, s.wsURL(), nil)
	if err == nil {
		conn.CloseNow()
		t.Fatalf("connection %d from one address was accepted, want 429", limit+1)
	}
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("connection %d: got %v (%v), want HTTP 429", limit+1, resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "connections") {
		t.Errorf("429 body %q does not say why", body)
	}
	held[0].conn.Close(websocket.StatusNormalClosure, "bye")
	eventually(t, 20*time.Second, "a freed slot", func() bool {
		c, _, err := websocket.Dial(ctx, s.wsURL(), nil)
		if err != nil {
			return false
		}
		c.CloseNow()
		return true
	})
}

// TestAbuseOneTokenManyDevices: one token over 12 connections with 12 made-up
// device ids counts at most 3 monthly active users (the devices allowed per
// token identity), whether the token names a user or not, and the analytics
// show the excess as deviceLimit; another user still counts.
func TestAbuseOneTokenManyDevices(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		mau := func() int {
			var m usage.Month
			_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage", "")
			json.Unmarshal(body, &m)
			return m.MAU
		}
		join := func(room, jwt, device string) *meetclient.Client {
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/" + room, JWT: jwt, DeviceID: device})
			if err != nil {
				t.Fatalf("dial with %s: %v", device, err)
			}
			t.Cleanup(cl.Close)
			if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
				t.Fatalf("join with %s: %v", device, err)
			}
			return cl
		}
		const devices, limit = 12, 3
		withUser := f.token(t, "inflate", "Mallory", false)
		noUser := f.token(t, "inflate", "Anon", false, func(g *token.Grant) { g.User.ID = "" })
		for i := range devices {
			join("inflate", withUser, fmt.Sprintf("made-up-%d", i))
		}
		for i := range devices {
			join("inflate", noUser, fmt.Sprintf("made-up-anon-%d", i))
		}
		join("inflate", f.token(t, "inflate", "Honest", false), "honest-laptop")
		want := 2*limit + 1
		eventually(t, 20*time.Second, "MAU recorded", func() bool { return mau() >= want })
		if got := mau(); got != want {
			t.Errorf("MAU after 2 tokens × %d devices and one honest user: got %d, want %d", devices, got, want)
		}
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
		var fails joinFailureCounts
		json.Unmarshal(body, &fails)
		excess := 0
		for _, jf := range fails.JoinFailures {
			if jf.Reason == "deviceLimit" {
				excess += jf.Count
			}
		}
		if excess != 2*(devices-limit) {
			t.Errorf("deviceLimit warnings count %d joins, want %d: %s", excess, 2*(devices-limit), body)
		}
	})
}

// TestAbusePasswordGuessing: a connection is closed after 5 wrong room
// passwords, and one address gets 20 wrong guesses per room in 15 minutes;
// then every attempt is refused with the wait, even the right password.
func TestAbusePasswordGuessing(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := sigCtx(t)
	mod, _ := sigJoin(t, s, f, "vault", "Mod", true)
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "password", "password": "s3cret"})
	sigExpect(t, mod, "roomUpdated", func(m meetclient.Message) bool { return sigDecodeRoom(t, m).HasPassword })

	jwt := f.token(t, "vault", "Guesser", false)
	guess := 0
	for conn := range 4 {
		cl := sigDial(t, s, f.ID+"/vault", jwt)
		for i := range 5 {
			guess++
			_, err := cl.Join(ctx, meetclient.JoinOptions{Password: fmt.Sprintf("guess-%d", guess)})
			var re *meetclient.RefusedError
			want := "passwordWrong"
			if i == 4 {
				want = "passwordAttempts"
			}
			if !errors.As(err, &re) || re.Code != want {
				t.Fatalf("connection %d, guess %d: %v, want %s", conn, i+1, err, want)
			}
		}
		if code, _, err := cl.Closed(ctx); err != nil || code != closeFlood {
			t.Fatalf("connection %d after 5 wrong passwords: closed %d (%v), want %d", conn, code, err, closeFlood)
		}
	}
	cl := sigDial(t, s, f.ID+"/vault", jwt)
	_, err := cl.Join(ctx, meetclient.JoinOptions{Password: "s3cret"})
	var re *meetclient.RefusedError
	if !errors.As(err, &re) || re.Code != "passwordAttempts" || !strings.Contains(re.Message, "try again in") {
		t.Fatalf("the right password after 20 wrong ones from this address: %v, want passwordAttempts naming the wait", err)
	}
	// A moderator needs no password and is not held up.
	sigJoin(t, s, f, "vault", "Mod2", true)
	// The tenant's analytics show the guessing: 4 connections closed, 1 refused.
	_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
	var fails joinFailureCounts
	json.Unmarshal(body, &fails)
	refusals := 0
	for _, jf := range fails.JoinFailures {
		if jf.Reason == "passwordAttempts" {
			refusals += jf.Count
		}
	}
	if refusals != 5 {
		t.Errorf("passwordAttempts join failures: got %d, want 5: %s", refusals, body)
	}
}

// TestAbuseChatFlood: a participant sending chat back to back gets a burst
// of 20 through and then chatFlood refusals, and stays connected; the
// others receive only what was accepted.
func TestAbuseChatFlood(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	loud, _ := sigJoin(t, s, f, "chatty", "Loud", false)
	sigJoin(t, s, f, "chatty", "Quiet", false)
	const sent = 40
	for i := range sent {
		sigSend(t, loud, map[string]any{"type": "chat", "text": fmt.Sprintf("message %d", i)})
	}
	sigSend(t, loud, map[string]any{"type": "ping"})
	ctx := sigCtx(t)
	refused, echoed := 0, 0
	for {
		m, err := loud.Expect(ctx, "chat", "pong")
		var re *meetclient.RefusedError
		switch {
		case errors.As(err, &re) && re.Code == "chatFlood":
			refused++
			continue
		case err != nil:
			t.Fatalf("waiting for chat: %v", err)
		case m.Type == "chat":
			echoed++
			continue
		}
		break
	}
	if refused == 0 || refused+echoed != sent {
		t.Errorf("%d chat messages back to back: %d delivered, %d refused; want some refused, all accounted for", sent, echoed, refused)
	}
	sigPingPong(t, loud)
}

// TestAbuseConnectionsPerAddressBehindProxy: behind a trusted proxy the
// connection cap applies per real client (X-Forwarded-For), so one client
// filling its share leaves the others theirs.
func TestAbuseConnectionsPerAddressBehindProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, behindProxy, func(c *config.Config) { c.HTTP.MaxWebSockets = 2 })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dial := func(client string) (*websocket.Conn, *http.Response, error) {
		return websocket.Dial(ctx, s.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"X-Forwarded-For": {client}}})
	}
	for i := range 2 {
		c, _, err := dial("198.51.100.1")
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.CloseNow()
	}
	if c, resp, err := dial("198.51.100.1"); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("third connection of one client: %v, want 429", err)
	}
	c, _, err := dial("198.51.100.2")
	if err != nil {
		t.Fatalf("another client behind the same proxy was refused: %v", err)
	}
	c.CloseNow()
}

// TestAbuseStatsWrites: a client's quality reports are stored at most once
// every few seconds (the meeting page sends one every 10 s), however many
// it sends: each stored report is a database write.
func TestAbuseStatsWrites(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	room := f.ID + "/stats"
	host, hj := s.join(ctx, t, room, f.token(t, "stats", "Host", true), nil)
	defer host.Close()
	for i := range 40 {
		host.Send(ctx, map[string]any{"type": "stats", "rtt": float64(i), "loss": 0, "bitrate": 900, "candidateType": "host"})
	}
	host.Send(ctx, map[string]any{"type": "ping"})
	if _, err := host.Expect(ctx, "pong"); err != nil {
		t.Fatal(err)
	}
	var meeting usage.Meeting
	_, body := s.call(t, http.MethodGet, "/api/v1/tenants/"+f.ID+"/analytics/meetings/"+hj.Room.MeetingID, "")
	if err := json.Unmarshal(body, &meeting); err != nil || len(meeting.Sessions) != 1 {
		t.Fatalf("meeting: %s (%v)", body, err)
	}
	if rtt := meeting.Sessions[0].RTTMS; rtt > 1 {
		t.Errorf("stored RTT is %v: report %v of 40 sent at once was written, want only the first two", rtt, rtt+1)
	}
}
