package server

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The HTTPS port also carries TURN over TLS, as Jitsi's nginx does: a
// network that lets only HTTPS out still lets media through. Browsers and
// most HTTP clients offer an HTTP protocol in their TLS hello (ALPN); those
// connections go to the HTTP server as they are. TURN clients offer none
// (or "stun.turn", RFC 7443), and neither do some HTTP clients (Go's with a
// TLS configuration of their own, curl --no-alpn): for those the first
// byte decides, after the handshake: a TURN client starts with a STUN
// request (0x00 or 0x01), an HTTP client with a method's letter. A hello
// for turn.domain, when that is a name of its own, goes to TURN at once.

// httpProtocols are the ALPN protocols that mark a hello as HTTP's.
var httpProtocols = []string{"h2", "http/1.1", "http/1.0", "acme-tls/1"}

// tlsRouter accepts TLS connections on one listener and hands each, after
// its handshake, to the HTTP server or the TURN server.
type tlsRouter struct {
	raw        net.Listener
	cfg        *tls.Config
	turnDomain string // SNI that goes to TURN; "" for none
	http, turn *connQueue

	mu      sync.Mutex
	byHello map[net.Conn]route // by raw connection, decided in the hello
}

// route is where a connection goes.
type route int

const (
	routeHTTP route = iota
	routeTURN
	routeFirstByte // no HTTP protocol offered: the first byte decides
)

// handshakeTimeout bounds a TLS handshake on the shared port.
const handshakeTimeout = 10 * time.Second

func newTLSRouter(raw net.Listener, cfg *tls.Config, turnDomain string, turn *connQueue) *tlsRouter {
	r := &tlsRouter{raw: raw, turnDomain: turnDomain, http: newConnQueue(raw.Addr()), turn: turn, byHello: map[net.Conn]route{}}
	r.cfg = cfg.Clone()
	r.cfg.GetConfigForClient = r.decide
	return r
}

// decide notes where the connection of hello goes; the configuration is
// unchanged.
func (r *tlsRouter) decide(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	to := routeFirstByte
	switch {
	case r.turnDomain != "" && strings.EqualFold(hello.ServerName, r.turnDomain):
		to = routeTURN
	case slices.ContainsFunc(hello.SupportedProtos, func(p string) bool { return slices.Contains(httpProtocols, p) }):
		to = routeHTTP
	}
	r.mu.Lock()
	r.byHello[hello.Conn] = to
	r.mu.Unlock()
	return nil, nil
}

// serve accepts connections until the listener closes.
func (r *tlsRouter) serve() {
	defer r.http.Close()
	for {
		raw, err := r.raw.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		go r.route(raw)
	}
}

func (r *tlsRouter) route(raw net.Conn) {
	tc := tls.Server(raw, r.cfg)
	raw.SetDeadline(time.Now().Add(handshakeTimeout))
	err := tc.Handshake()
	r.mu.Lock()
	to := r.byHello[raw]
	delete(r.byHello, raw)
	r.mu.Unlock()
	if err != nil {
		tc.Close()
		return
	}
	var c net.Conn = tc
	if to == routeFirstByte {
		var first [1]byte
		if _, err := io.ReadFull(tc, first[:]); err != nil {
			tc.Close()
			return
		}
		to = routeHTTP
		if first[0] <= 1 { // a STUN message's type starts with two zero bits
			to = routeTURN
		}
		c = &prefixConn{Conn: tc, tls: tc, prefix: first[:]}
	}
	raw.SetDeadline(time.Time{})
	if to == routeTURN && r.turn != nil {
		r.turn.put(c)
		return
	}
	r.http.put(c)
}

// prefixConn is a TLS connection whose first bytes were read already.
type prefixConn struct {
	net.Conn
	tls    *tls.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// tlsStateKey keys the TLS state of a connection the HTTP server does not
// see as TLS (a prefixConn) in its requests' contexts.
type tlsStateKey struct{}

// connContext is the HTTP server's ConnContext: it keeps a prefixConn's TLS
// state, for withTLSState.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*prefixConn); ok {
		st := pc.tls.ConnectionState()
		return context.WithValue(ctx, tlsStateKey{}, &st)
	}
	return ctx
}

// withTLSState gives requests that came over a prefixConn their TLS state,
// as the HTTP server does for TLS connections it accepted itself.
func withTLSState(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok && r.TLS == nil {
			r.TLS = st
		}
		next.ServeHTTP(w, r)
	})
}

// connQueue is a net.Listener whose connections someone else accepted.
type connQueue struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newConnQueue(addr net.Addr) *connQueue {
	return &connQueue{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

// put hands c to Accept, or closes it if the queue is closed.
func (q *connQueue) put(c net.Conn) {
	select {
	case q.conns <- c:
	case <-q.closed:
		c.Close()
	}
}

// Accept implements net.Listener.
func (q *connQueue) Accept() (net.Conn, error) {
	select {
	case c := <-q.conns:
		return c, nil
	case <-q.closed:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (q *connQueue) Close() error {
	q.once.Do(func() { close(q.closed) })
	return nil
}

// Addr implements net.Listener.
func (q *connQueue) Addr() net.Addr { return q.addr }

// turnDomain is the SNI name whose connections go to TURN: turn.domain,
// when it is not the name of the web pages too.
func (s *Server) turnDomain() string {
	if d := s.cfg.TURN.Domain; d != "" && !strings.EqualFold(d, s.publicHost()) {
		return d
	}
	return ""
}

// publicHost is the host name (or address) of the public URL.
func (s *Server) publicHost() string {
	u, err := url.Parse(s.URL())
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// turnsURLs are the turns: URLs of TURN over TLS: on its own port, and on
// the HTTPS port once it listens.
func (s *Server) turnsURLs() []string {
	host := cmp.Or(s.cfg.TURN.Domain, s.publicHost())
	var urls []string
	if p := s.relay.TLSPort(); p > 0 {
		urls = append(urls, "turns:"+net.JoinHostPort(host, strconv.Itoa(p))+"?transport=tcp")
	}
	if s.turnTLS != nil && s.ln != nil {
		_, port, _ := net.SplitHostPort(s.ln.Addr().String())
		urls = append(urls, "turns:"+net.JoinHostPort(host, port)+"?transport=tcp")
	}
	return urls
}
