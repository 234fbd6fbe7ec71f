package server

import (
	"cmp"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The HTTPS port also carries TURN over TLS, as Jitsi's nginx does: a
// network that lets only HTTPS out still lets media through. TLS clients of
// HTTP offer an HTTP protocol in their hello (ALPN); TURN clients offer
// none, or "stun.turn" (RFC 7443). A hello for turn.domain, when that is a
// name of its own, goes to TURN too. The price: an HTTPS client that sends
// no ALPN at all (curl --no-alpn, openssl s_client) reaches the TURN server
// instead; turn.tls_on_https: false turns the sharing off.

// httpProtocols are the ALPN protocols that mark a hello as HTTP's.
var httpProtocols = []string{"h2", "http/1.1", "http/1.0", "acme-tls/1"}

// tlsRouter accepts TLS connections on one listener and hands each, after
// its handshake, to the HTTP server or the TURN server.
type tlsRouter struct {
	raw        net.Listener
	cfg        *tls.Config
	turnDomain string // SNI that goes to TURN; "" for none
	http, turn *connQueue

	mu     sync.Mutex
	toTURN map[net.Conn]bool // by raw connection, decided in the hello
}

// handshakeTimeout bounds a TLS handshake on the shared port.
const handshakeTimeout = 10 * time.Second

func newTLSRouter(raw net.Listener, cfg *tls.Config, turnDomain string, turn *connQueue) *tlsRouter {
	r := &tlsRouter{raw: raw, turnDomain: turnDomain, http: newConnQueue(raw.Addr()), turn: turn, toTURN: map[net.Conn]bool{}}
	r.cfg = cfg.Clone()
	r.cfg.GetConfigForClient = r.decide
	return r
}

// decide notes where the connection of hello goes; the configuration is
// unchanged.
func (r *tlsRouter) decide(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	turn := !slices.ContainsFunc(hello.SupportedProtos, func(p string) bool { return slices.Contains(httpProtocols, p) }) ||
		(r.turnDomain != "" && strings.EqualFold(hello.ServerName, r.turnDomain))
	r.mu.Lock()
	r.toTURN[hello.Conn] = turn
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
	raw.SetDeadline(time.Time{})
	r.mu.Lock()
	turn := r.toTURN[raw]
	delete(r.toTURN, raw)
	r.mu.Unlock()
	switch {
	case err != nil:
		tc.Close()
	case turn && r.turn != nil:
		r.turn.put(tc)
	default:
		r.http.put(tc)
	}
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
