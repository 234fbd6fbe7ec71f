package xmpp

import (
	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/room"
)

// Jitsi's clients become a meeting's visitors by a redirect, not by a role
// in the main room (lib-jitsi-meet moderator.js, jitsi-meet's
// getVisitorOptions; docs/cascading.md): the conference request is
// answered with a visitors' node, and the client reconnects to that
// node's domain (?vnode=), joins the room there with no conference request,
// and watches.
const (
	// visitorsNode is the one visitors' node Confer names. Each node serves
	// its visitors itself: the name only gives them a domain of their own.
	visitorsNode = "v1"
	// vnodeSuffix makes a visitors' node's XMPP domain, as jitsi-meet
	// does (it is fixed in the client).
	vnodeSuffix = ".meet.jitsi"
)

// visitorsVersion reports whether a conference request's client can be
// sent to a visitors' node (lib-jitsi-meet's visitors-version property).
func visitorsVersion(q *Element) bool {
	for _, c := range q.Children {
		if c.Name.Local == "property" && c.Get("name") == "visitors-version" {
			return true
		}
	}
	return false
}

// sendsToVisitors reports whether the conference request q is answered
// with the visitors' node: its client can go there, is not there already,
// and would now watch the room of its token (room.Manager.WouldVisit).
func (s *session) sendsToVisitors(q *Element) bool {
	return s.ep.Vnode == "" && visitorsVersion(q) && s.srv.cfg.Rooms != nil &&
		s.srv.cfg.Rooms.WouldVisit(s.grant.Key, s.grant.Participant(admission.Profile{}), s.grant.Claims.LobbyBypass)
}

// mucRole is the MUC role and affiliation of a participant (XEP-0045 §5):
// a visitor's role is "visitor", as Prosody gives visitors on a
// visitors' node.
func mucRole(p room.Participant) (role, affiliation string) {
	switch {
	case p.Moderator():
		return "moderator", "owner"
	case p.Role == room.RoleVisitor:
		return "visitor", "none"
	}
	return "participant", "none"
}
