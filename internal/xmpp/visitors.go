package xmpp

import (
	"context"
	"encoding/json"
	"strings"
	"time"

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
	// nsVisitors is the namespace of the promotion IQ (strophe.emuc.ts).
	nsVisitors = "jitsi:visitors"
	// promotionWindow is how long a username given to a visitor let in
	// stays good for its login to the main domain.
	promotionWindow = time.Minute
)

// promotion is a username given to a visitor let in.
type promotion struct {
	key   room.Key
	until time.Time
}

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

// promoted tells a Jitsi visitor a moderator let in to log in to
// the main domain as a participant, as Prosody's visitors component does:
// an IQ set from its room carrying jitsi:visitors promotion-response with
// allow and a username (lib-jitsi-meet emits CONNECTION_REDIRECTED, and
// jitsi-meet reconnects with ?customusername=; no result comes back). The
// username begins with the visitor's nick, which lib-jitsi-meet takes from
// the first 8 hex digits of its JID's node: it comes back as itself.
func (s *session) promoted(occ *occupancy) []*Element {
	if s.ep.Vnode == "" {
		return nil
	}
	username := occ.nick + randomID(4)
	s.srv.promise(username, s.grant.Key)
	s.promotedAway.Store(true)
	self := s.jid.Load().String()
	v := el("visitors", "xmlns", nsVisitors, "room", occ.roomJID, "focusjid", focusJID(hostname(s.ep.Host))).
		add(el("promotion-response", "xmlns", nsVisitors, "jid", self, "username", username, "allow", "true"))
	return []*Element{iq("set", "promote-"+randomID(4), occ.roomJID, self).add(v)}
}

// promise records a username given to a visitor of key let in.
func (srv *Server) promise(username string, key room.Key) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	now := time.Now()
	for u, p := range srv.promoted {
		if now.After(p.until) {
			delete(srv.promoted, u)
		}
	}
	srv.promoted[username] = promotion{key: key, until: now.Add(promotionWindow)}
}

// endVisitor takes the visitor id of key out of the room, as its client
// goes to the main room after a promotion (switch_room): jitsi-meet
// disconnects from the visitors' node first, but the new connection's join
// can come before the old one's end. False if id is not such a visitor.
func (srv *Server) endVisitor(ctx context.Context, key room.Key, id string) bool {
	srv.mu.Lock()
	var old *session
	if e := srv.peers[key][id]; e != nil && e.sess.ep.Vnode != "" {
		old = e.sess
	}
	srv.mu.Unlock()
	if old == nil {
		return false
	}
	old.leave(ctx, room.LeftSwitchRoom)
	return true
}

// takePromotion reports whether username was given to a visitor of key let
// in, within the window; once.
func (srv *Server) takePromotion(username string, key room.Key) bool {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	p, ok := srv.promoted[username]
	delete(srv.promoted, username)
	return ok && p.key == key && time.Now().Before(p.until)
}

// validUsername reports whether u can be a username promise gave: hex.
func validUsername(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for _, c := range u {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// visitorsDomain is the visitors component's address, from which
// moderators take visitors' requests to join.
func (s *session) visitorsDomain() string {
	return "visitors." + strings.TrimPrefix(s.mucDomain(), "conference.")
}

// visitorJID names a visitor to Jitsi moderators: as a JID on the
// visitors' node, whose node is its participant id (visitorOf).
func visitorJID(id string) string { return id + "@" + visitorsNode + vnodeSuffix + "/" + id }

// visitorOf is the participant id of a visitorJID.
func visitorOf(j string) string {
	id, _, _ := strings.Cut(j, "@")
	return id
}

// visitorsMessage is the visitors component's json-message (Prosody's
// mod_visitors_component send_json_message).
type visitorsMessage struct {
	Type     string   `json:"type"`
	Room     string   `json:"room,omitempty"`
	Action   string   `json:"action"`
	Nick     string   `json:"nick,omitempty"`
	From     string   `json:"from,omitempty"`
	On       *bool    `json:"on,omitempty"`
	Approved bool     `json:"approved,omitempty"`
	ID       string   `json:"id,omitempty"`
	IDs      []string `json:"ids,omitempty"`
}

// promotionRequest tells a Jitsi moderator that a visitor asks to join, or
// no longer does (lib-jitsi-meet VISITORS_MESSAGE, jitsi-meet's
// promotionRequestReceived).
func (s *session) promotionRequest(occ *occupancy, n room.VisitorRequest) []*Element {
	on := n.Asking
	return []*Element{s.componentMessage(s.visitorsDomain(), visitorsMessage{Type: "visitors", Room: occ.roomJID,
		Action: "promotion-request", Nick: n.Participant.Name, From: visitorJID(n.Participant.ID), On: &on})}
}

// promotionResponse takes a Jitsi moderator's answer to visitors' requests
// (jitsi-meet approveRequest / admitMultiple: a groupchat json-message,
// which the server keeps to itself): the approved are let in as the
// meeting page's moderators let them in. Other messages are left alone.
func (s *session) promotionResponse(ctx context.Context, occ *occupancy, e *Element) {
	j := e.Child(nsJitMeet, "json-message")
	var m visitorsMessage
	if j == nil || json.Unmarshal([]byte(j.Text), &m) != nil || m.Type != "visitors" || m.Action != "promotion-response" || !m.Approved {
		return
	}
	ids := m.IDs
	if m.ID != "" {
		ids = append(ids, m.ID)
	}
	for _, id := range ids[:min(len(ids), 50)] {
		if err := occ.ms.PromoteVisitor(ctx, visitorOf(id)); err != nil {
			s.send(mucError(e, "cancel", "not-allowed", err.Error(), s.jid.Load().String()))
			return
		}
	}
}
