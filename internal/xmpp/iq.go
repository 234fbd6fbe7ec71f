package xmpp

import (
	"context"
	"strings"
)

// stanza handles a stanza of a bound client (RFC 6120 §8).
func (s *session) stanza(ctx context.Context, e *Element) bool {
	if e.Name.Space != nsClient {
		s.fail("invalid-namespace", "stanzas are in jabber:client")
		return true
	}
	switch e.Name.Local {
	case "iq":
		s.iq(ctx, e)
	case "message":
		s.message(ctx, e)
	case "presence":
		return s.presence(ctx, e)
	default:
		s.fail("unsupported-stanza-type", "only iq, message and presence are stanzas")
		return true
	}
	return false
}

// bounce answers a message or presence addressed to no room of the
// client's with service-unavailable. Presence to the server (initial
// presence) and errors are dropped.
func (s *session) bounce(e *Element) {
	if e.Get("to") == "" || e.Get("type") == "error" {
		return
	}
	s.send(stanzaError(e, "cancel", "service-unavailable", s.jid.Load().String()))
}

// iq answers an IQ: the server's own queries, or service-unavailable.
func (s *session) iq(ctx context.Context, e *Element) {
	j := s.jid.Load()
	switch typ := e.Get("type"); typ {
	case "result", "error":
		s.answered(e.Get("id"))
		return
	case "get", "set":
	default:
		s.send(stanzaError(e, "modify", "bad-request", j.String()))
		return
	}
	q := e.First()
	if e.Get("id") == "" || q == nil || len(e.Children) != 1 {
		s.send(stanzaError(e, "modify", "bad-request", j.String()))
		return
	}
	if s.srv.cfg.Rooms != nil && strings.EqualFold(e.Get("to"), s.focusDomain()) && q.Is(nsFocus, "conference") {
		s.send(s.conferenceRequest(e, q))
		return
	}
	if _, ok := s.toLobby(e.Get("to")); ok {
		s.send(s.lobbyIQ(ctx, e, q))
		return
	}
	if strings.EqualFold(e.Get("to"), s.lobbyDomain()) && e.Get("type") == "get" && q.Is(nsDiscoI, "query") {
		s.send(iq("result", e.Get("id"), e.Get("to"), j.String()).add(el("query", "xmlns", nsDiscoI).
			add(el("identity", "category", "conference", "type", "text", "name", "lobby"), el("feature", "var", nsMUC))))
		return
	}
	if to, ok := s.toMUC(e.Get("to")); ok {
		if reply := s.roomIQ(ctx, e, q, to); reply != nil {
			s.send(reply)
			return
		}
	}
	if !s.toServer(e.Get("to")) {
		s.send(stanzaError(e, "cancel", "service-unavailable", j.String()))
		return
	}
	reply := iq("result", e.Get("id"), j.Domain, j.String())
	get := e.Get("type") == "get"
	switch {
	case get && q.Is(nsPing, "ping"):
	case get && q.Is(nsDiscoI, "query"):
		reply.add(discoInfo(q.Get("node"), s.lobbyDomain(), s.avModerationDomain(), s.visitorsDomain()))
	case get && q.Is(nsDiscoIt, "query"):
		reply.add(el("query", "xmlns", nsDiscoIt, "node", q.Get("node")))
	case get && (q.Is(nsExtDisco, "services") || q.Is(nsExtDisc1, "services")):
		reply.add(s.services(q))
	case !get && q.Is(nsSession, "session"): // RFC 3921's session, still sent by old clients
	default:
		s.send(stanzaError(e, "cancel", "service-unavailable", j.String()))
		return
	}
	s.send(reply)
}

// roomIQ answers an IQ to the client's room or its focus: disco#info,
// moderation (moderate.go); nil for others.
func (s *session) roomIQ(ctx context.Context, e, q *Element, to mucJID) *Element {
	set := e.Get("type") == "set"
	switch {
	case to.Nick == "" && !set && q.Is(nsDiscoI, "query"):
		return s.roomInfo(e, to)
	case to.Nick == "" && q.Is(nsMUCOwner, "query"):
		occ := s.occ.Load()
		if occ == nil || occ.ms == nil || !s.inRoom(to) {
			return mucError(e, "cancel", "item-not-found", "join the room first", s.jid.Load().String())
		}
		return s.roomConfig(ctx, e, q, occ)
	case to.Nick == "" && q.Is(nsMUCAdmin, "query"):
		if !s.inRoom(to) {
			return mucError(e, "cancel", "item-not-found", "join the room first", s.jid.Load().String())
		}
		return s.admin(ctx, e, q)
	case strings.EqualFold(to.Nick, focusNick) && set && q.Is(nsJingle, "jingle"):
		return s.jingle(ctx, e, q)
	case strings.EqualFold(to.Nick, focusNick) && set && q.Is(nsJibri, "jibri"):
		if !s.inRoom(to) {
			return mucError(e, "cancel", "item-not-found", "join the room first", s.jid.Load().String())
		}
		return s.jibri(ctx, e, q)
	case strings.EqualFold(to.Nick, focusNick) && set && isMute(q):
		if !s.inRoom(to) {
			return mucError(e, "cancel", "item-not-found", "join the room first", s.jid.Load().String())
		}
		return s.mute(ctx, e, q)
	}
	return nil
}

// toServer reports whether an IQ's to addresses the server: none, the
// domain, or the client's own bare JID (RFC 6120 §10.3, §10.5).
func (s *session) toServer(to string) bool {
	j := s.jid.Load()
	return to == "" || strings.EqualFold(to, j.Domain) || strings.EqualFold(to, j.Bare())
}

// discoInfo is the server's identity and features (XEP-0030):
// lib-jitsi-meet checks urn:xmpp:ping (xmpp.ts connectionHandler) and
// reads component identities: the lobby's, av_moderation's and the
// visitors component's.
func discoInfo(node, lobby, avModeration, visitors string) *Element {
	q := el("query", "xmlns", nsDiscoI, "node", node)
	q.add(el("identity", "category", "server", "type", "im", "name", "Confer"))
	// Rooms have lobbies (lib-jitsi-meet xmpp.js lobbySupported), the
	// component named.
	q.add(el("identity", "category", "component", "type", "lobbyrooms", "name", lobby))
	// Audio/video moderation (lib-jitsi-meet avModerationComponentAddress).
	q.add(el("identity", "category", "component", "type", "av_moderation", "name", avModeration))
	// Visitors asking to join (lib-jitsi-meet takes the visitors
	// component's json-messages only from the address named here).
	q.add(el("identity", "category", "component", "type", "visitors", "name", visitors))
	for _, f := range []string{nsDiscoI, nsDiscoIt, nsPing, nsExtDisco, nsExtDisc1} {
		q.add(el("feature", "var", f))
	}
	return q
}
