package xmpp

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// services answers an XEP-0215 request with the TURN servers and fresh
// credentials, as lib-jitsi-meet reads them (strophe.jingle.js
// onReceiveStunAndTurnCredentials: host, port, transport, type, username,
// password). A type attribute on the request filters them.
func (s *session) services(q *Element) *Element {
	out := el("services", "xmlns", q.Name.Space)
	f := s.srv.cfg.ICEServers
	if f == nil {
		return out
	}
	expires := s.srv.cfg.Now().Add(s.srv.cfg.CredentialTTL).UTC().Format(time.RFC3339)
	want := q.Get("type")
	for _, ice := range f(s.jid.Load().Local) {
		for _, u := range ice.URLs {
			svc, ok := service(u)
			if !ok || (want != "" && svc.typ != want) {
				continue
			}
			out.add(el("service", "type", svc.typ, "host", svc.host, "port", svc.port, "transport", svc.transport,
				"username", ice.Username, "password", ice.Credential, "restricted", "1", "expires", expires))
		}
	}
	return out
}

type turnService struct {
	typ, host, port, transport string
}

// service reads a TURN or STUN URL (RFC 7064, RFC 7065):
// turn:host:port?transport=udp.
func service(raw string) (turnService, bool) {
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || (scheme != "turn" && scheme != "turns" && scheme != "stun" && scheme != "stuns") {
		return turnService{}, false
	}
	hostport, query, _ := strings.Cut(rest, "?")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "3478"
		if strings.HasSuffix(scheme, "s") {
			port = "5349"
		}
	}
	if _, err := strconv.Atoi(port); err != nil || host == "" {
		return turnService{}, false
	}
	q, _ := url.ParseQuery(query)
	transport := q.Get("transport")
	if transport == "" {
		transport = "udp"
		if strings.HasSuffix(scheme, "s") {
			transport = "tcp"
		}
	}
	return turnService{typ: scheme, host: host, port: port, transport: transport}, true
}
