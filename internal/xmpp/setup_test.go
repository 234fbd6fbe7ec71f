package xmpp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
)

// testServer is an XMPP server on real components — the token verifier
// (guests allowed in rooms without a tenant), tenants on a fresh SQLite
// store and the admission decision — behind httptest; panicked holds a
// handler's panic.
type testServer struct {
	url      string
	panicked atomic.Value
}

func newTestServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tenants, err := tenant.New(tenant.Config{Store: storetest.Open(t, store.DialectSQLite), KeyBits: 2048, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := token.New(token.Config{AppID: "xmpp-tests", AppSecret: "xmpp-unit-test-secret-0123456789", AllowEmptyToken: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	admit, err := admission.New(admission.Config{Tokens: tokens, Tenants: tenants, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Admission, cfg.Logger = admit, log
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{}
	h := s.Handler(http.NotFoundHandler())
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				ts.panicked.Store(fmt.Sprint(p))
			}
		}()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Close(ctx)
		hs.Close()
	})
	ts.url = "ws" + strings.TrimPrefix(hs.URL, "http") + "/xmpp-websocket?room=open-room"
	return ts
}

type testConn struct {
	t    testing.TB
	conn *websocket.Conn
}

func (ts *testServer) dial(t testing.TB) *testConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, ts.url, &websocket.DialOptions{Subprotocols: []string{"xmpp"}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &testConn{t: t, conn: conn}
}

func (c *testConn) send(s string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, []byte(s))
}

// read returns the next element; nil when the connection ended.
func (c *testConn) read() *Element {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return nil
	}
	e, err := Parse(b)
	if err != nil {
		c.t.Fatalf("the server sent %q: %v", b, err)
	}
	return e
}

// login opens, authenticates as a guest and binds.
func (c *testConn) login() {
	c.t.Helper()
	host := "127.0.0.1"
	steps := []struct{ send, want string }{
		{`<open xmlns="` + nsFraming + `" to="` + host + `" version="1.0"/>`, "open"},
		{"", "features"},
		{`<auth xmlns="` + nsSASL + `" mechanism="ANONYMOUS"/>`, "success"},
		{`<open xmlns="` + nsFraming + `" to="` + host + `" version="1.0"/>`, "open"},
		{"", "features"},
		{`<iq xmlns="jabber:client" type="set" id="b"><bind xmlns="` + nsBind + `"><resource>r1</resource></bind></iq>`, "iq"},
	}
	for _, st := range steps {
		if st.send != "" {
			c.send(st.send)
		}
		if e := c.read(); e == nil || e.Name.Local != st.want {
			c.t.Fatalf("login: got %v, want <%s>", e, st.want)
		}
	}
}
