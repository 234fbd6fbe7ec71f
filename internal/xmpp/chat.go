package xmpp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-video/confer/internal/room"
)

// message handles a message to the room: groupchat to everyone, chat to
// one occupant (a private message), both through the room's chat, so web
// participants see them and the chat log and webhooks have them.
// Messages without a body (Jitsi's json-message extensions) are dropped.
func (s *session) message(ctx context.Context, e *Element) {
	if s.avModerationMessage(ctx, e) {
		return
	}
	to, ok := s.toMUC(e.Get("to"))
	occ := s.occ.Load()
	if !ok || occ == nil || occ.ms == nil {
		s.bounce(e)
		return
	}
	if x := e.Child(nsMUCUser, "x"); x != nil && to.Nick == "" {
		if inv := x.Child(nsMUCUser, "invite"); inv != nil {
			s.admitInvite(ctx, e, inv, occ)
			return
		}
	}
	body := e.Child(nsClient, "body")
	if body == nil && e.Get("type") == "groupchat" && to.Nick == "" {
		s.promotionResponse(ctx, occ, e) // a moderator letting visitors in, if it is that
		return
	}
	if body == nil || e.Get("type") == "error" {
		return
	}
	var target string
	switch e.Get("type") {
	case "groupchat":
		if to.Nick != "" {
			s.send(mucError(e, "modify", "bad-request", "a groupchat message goes to the room's bare JID", s.jid.Load().String()))
			return
		}
	case "chat":
		target = to.Nick
	default:
		s.send(mucError(e, "modify", "bad-request", "a message to a room is groupchat, or chat to one occupant", s.jid.Load().String()))
		return
	}
	if !s.chat.Allow() {
		s.send(mucError(e, "wait", "policy-violation", fmt.Sprintf("at most %v chat messages a second; slow down", s.srv.cfg.ChatPerSecond), s.jid.Load().String()))
		return
	}
	if err := occ.ms.Chat(ctx, target, body.Text); err != nil {
		cond := "not-acceptable"
		if errors.Is(err, room.ErrNoParticipant) {
			cond = "item-not-found"
		}
		s.send(mucError(e, "modify", cond, err.Error(), s.jid.Load().String()))
	}
}

// conferenceRequest answers lib-jitsi-meet's conference request to the
// focus (moderator.js createConferenceIq) as Jicofo does when the room is
// ready: ready="true" and the focus's JID. The room itself is joined
// with the MUC presence that follows, unless the answer sends the client
// to the visitors' node (visitors.go).
func (s *session) conferenceRequest(e, q *Element) *Element {
	if uid := cleanDeviceID(q.Get("machine-uid")); uid != "" {
		s.machineUID = uid
	}
	reply := iq("result", e.Get("id"), s.focusDomain(), s.jid.Load().String())
	c := el("conference", "xmlns", nsFocus, "ready", "true", "room", q.Get("room"), "focusjid", focusJID(s.ep.Domain))
	if s.sendsToVisitors(q) {
		// jicofo's redirect: lib-jitsi-meet emits CONNECTION_REDIRECTED and
		// never joins here; the focus it will see there is the node's.
		c = el("conference", "xmlns", nsFocus, "ready", "true", "room", q.Get("room"),
			"focusjid", focusJID(visitorsNode+vnodeSuffix), "vnode", visitorsNode)
		s.log.Info("sent to the visitors' node", "room", s.grant.Key.Name)
	}
	c.add(el("property", "name", "authentication", "value", "false"), el("property", "name", "visitors-supported", "value", "true"))
	return reply.add(c)
}

// inRoom reports whether the client is in room to.
func (s *session) inRoom(to mucJID) bool {
	occ := s.occ.Load()
	return occ != nil && occ.ms != nil && strings.EqualFold(to.Room, strings.Split(occ.roomJID, "@")[0])
}

// roomInfo answers disco#info on the room (XEP-0045 §6.4) with the
// meeting id lib-jitsi-meet reads (ChatRoom.discoRoomInfo,
// muc#roominfo_meetingId).
func (s *session) roomInfo(e *Element, to mucJID) *Element {
	self := s.jid.Load().String()
	occ := s.occ.Load()
	if occ == nil || occ.ms == nil || !s.inRoom(to) {
		return mucError(e, "cancel", "item-not-found", "join the room first", self)
	}
	info := occ.ms.Room().Info()
	q := el("query", "xmlns", nsDiscoI)
	q.add(el("identity", "category", "conference", "type", "text", "name", info.Name))
	features := []string{nsMUC, "muc_public", "muc_persistent", "muc_unmoderated", "muc_open"}
	fields := [][2]string{{"FORM_TYPE", "http://jabber.org/protocol/muc#roominfo"}, {"muc#roominfo_meetingId", info.MeetingID}}
	if info.Lobby {
		features[len(features)-1] = "muc_membersonly"
		fields = append(fields, [2]string{"muc#roominfo_lobbyroom", s.lobbyRoomJID(to.Room)})
	}
	if info.HasPassword {
		features = append(features, "muc_passwordprotected")
	}
	for _, f := range features {
		q.add(el("feature", "var", f))
	}
	form := el("x", "xmlns", "jabber:x:data", "type", "result")
	for _, kv := range fields {
		form.add(el("field", "var", kv[0]).add(el("value").text(kv[1])))
	}
	return iq("result", e.Get("id"), e.Get("to"), self).add(q.add(form))
}
