package xmpp

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/confer-video/confer/internal/room"
)

// Jitsi's lobby (Prosody's mod_muc_lobby_rooms, lib-jitsi-meet
// modules/xmpp/Lobby.js) on Confer's room lobby. A client refused from a
// room whose lobby is on (registration-required, with the lobby room's
// JID) joins the lobby room <room>@lobby.<tenant>.<domain> and waits there,
// a knocker seen by the page's moderators as any other; admitted, it is
// invited into the room and joins it; denied, it is removed from the lobby
// room (307). A moderator of the room who joins the lobby room sees the
// knockers as occupants, admits one with an invite to the room and denies
// one by removing it from the lobby room. Moderators turn the lobby on and
// off and set the password with the room's configuration form (muc#owner).

const (
	nsMUCOwner = "http://jabber.org/protocol/muc#owner"
	nsXData    = "jabber:x:data"
)

// lobbyState is a client's place in its room's lobby room: a knocker's
// (ms, its membership waiting, then admitted) or a moderator's watching
// it (ms nil).
type lobbyState struct {
	roomJID  string // the lobby room's bare JID as the client wrote it
	mainJID  string // the room's
	nick     string
	ms       *room.Membership
	admitted atomic.Bool
}

// lobbyDomain is the lobby MUC service of the client's tenant.
func (s *session) lobbyDomain() string {
	return "lobby." + strings.TrimPrefix(s.mucDomain(), "conference.")
}

// lobbyRoomJID is the lobby room of a room.
func (s *session) lobbyRoomJID(roomName string) string { return roomName + "@" + s.lobbyDomain() }

// toLobby reports whether a stanza's to is on the lobby service.
func (s *session) toLobby(to string) (mucJID, bool) {
	j, ok := parseMUCJID(to)
	return j, ok && s.srv.cfg.Rooms != nil && strings.EqualFold(j.Domain, s.lobbyDomain())
}

// lobbyRefusal is the error presence of a join while the lobby is on,
// naming the lobby room where lib-jitsi-meet's ChatRoom.onPresenceError
// looks: in the error (current), and beside it (stable-6726).
func (s *session) lobbyRefusal(e *Element, roomName string) *Element {
	p := mucError(e, "auth", "registration-required", "this meeting has its lobby on: wait in its lobby room to be let in", s.jid.Load().String())
	lobby := func() *Element { return el("lobbyroom", "xmlns", nsJitMeet).text(s.lobbyRoomJID(roomName)) }
	for _, c := range p.Children {
		if c.Name.Local == "error" {
			c.add(lobby())
		}
	}
	return p.add(lobby())
}

// lobbyPresence handles a presence to the lobby room: a knocker's join or
// leave, or a moderator's.
func (s *session) lobbyPresence(ctx context.Context, e *Element, to mucJID) bool {
	self := s.jid.Load().String()
	switch {
	case e.Get("type") == "unavailable":
		if l := s.lobby.Swap(nil); l != nil {
			if l.ms != nil && !l.admitted.Load() {
				l.ms.Leave(ctx, room.LeftNormally)
				s.dropQueued()
			}
			s.send(s.lobbySelf(l, "unavailable", false))
		}
		return false
	case e.Get("type") != "" || s.lobby.Load() != nil:
		return false
	case !strings.EqualFold(to.Room, s.grant.Key.Name):
		s.send(mucError(e, "auth", "forbidden", fmt.Sprintf("your token is for the room %q", s.grant.Key.Name), self))
		return false
	case !validNick(to.Nick):
		s.send(mucError(e, "modify", "jid-malformed", "a nick has 1 to 64 letters, digits, - or _", self))
		return false
	}
	bare, _, _ := strings.Cut(e.Get("to"), "/")
	l := &lobbyState{roomJID: bare, mainJID: to.Room + "@" + s.mucDomain(), nick: to.Nick}
	if occ := s.occ.Load(); occ != nil && occ.ms != nil {
		return s.watchLobby(e, occ, l)
	}
	return s.knock(ctx, e, l)
}

// watchLobby shows a moderator of the room the knockers.
func (s *session) watchLobby(e *Element, occ *occupancy, l *lobbyState) bool {
	if me, ok := occ.ms.Self(); !ok || !me.Moderator() {
		s.send(mucError(e, "auth", "forbidden", "only the room's moderators see its lobby", s.jid.Load().String()))
		return false
	}
	s.lobby.Store(l)
	for _, p := range occ.ms.Room().Lobby() {
		s.enqueue(s.lobbyOccupant(l, p))
	}
	s.enqueue(s.lobbySelf(l, "", true))
	return false
}

// knock puts the client in the room's lobby through room.Manager.Join, as
// the page's lobby does; if the lobby went off meanwhile it is let in.
func (s *session) knock(ctx context.Context, e *Element, l *lobbyState) bool {
	g, err := s.deviceGrant(ctx, e)
	if err != nil {
		return s.joinRefused(e, err)
	}
	// lib-jitsi-meet's lobby room nick is random: the client knocks as the
	// participant it tried to join as, so it is let in as that one.
	ms, err := s.srv.cfg.Rooms.Join(ctx, room.JoinRequest{Key: s.grant.Key, ID: cmp.Or(s.knockNick, l.nick),
		Participant: g.Participant(s.profile(e)), LobbyBypass: s.grant.Claims.LobbyBypass, Conn: s})
	if err != nil {
		return s.joinRefused(e, err)
	}
	l.ms = ms
	s.lobby.Store(l)
	first := []*Element{s.lobbySelf(l, "", false)}
	if !ms.InLobby() {
		l.admitted.Store(true)
		first = append(first, s.invite(l))
	}
	s.startPump(first)
	return false
}

// leaveLobby takes a knocker out of the lobby (its stream ended).
func (s *session) leaveLobby(ctx context.Context, reason room.LeaveReason) {
	if l := s.lobby.Swap(nil); l != nil && l.ms != nil {
		l.ms.Leave(ctx, reason)
	}
}

// admitted is the membership a knocker was let in with, taken by its
// join of the room.
func (s *session) admitted(to mucJID) *room.Membership {
	l := s.lobby.Load()
	if l == nil || l.ms == nil || !l.admitted.Load() || to.Nick != l.ms.ID() || !strings.EqualFold(to.Room, strings.Split(l.roomJID, "@")[0]) {
		return nil
	}
	s.lobby.Store(nil)
	return l.ms
}

// lobbySelf is the client's own presence in the lobby room (110).
func (s *session) lobbySelf(l *lobbyState, typ string, moderator bool) *Element {
	self := s.jid.Load().String()
	role, aff := "participant", "none"
	if moderator {
		role, aff = "moderator", "owner"
	}
	p := el("presence", "xmlns", nsClient, "type", typ, "from", l.roomJID+"/"+l.nick, "to", self)
	return p.add(el("x", "xmlns", nsMUCUser).add(el("item", "jid", self, "role", role, "affiliation", aff), el("status", "code", "110")))
}

// lobbyOccupant is a knocker as a moderator sees it in the lobby room.
func (s *session) lobbyOccupant(l *lobbyState, p room.Participant) *Element {
	j := s.jid.Load()
	pr := el("presence", "xmlns", nsClient, "from", l.roomJID+"/"+p.ID, "to", j.String())
	pr.add(el("nick", "xmlns", nsNick).text(p.Name))
	if p.Email != "" {
		pr.add(el("email").text(p.Email))
	}
	return pr.add(el("x", "xmlns", nsMUCUser).add(el("item", "jid", p.ID+"@"+j.Domain+"/"+p.ID, "role", "participant", "affiliation", "none")))
}

// invite lets an admitted knocker into the room (lib-jitsi-meet joins the
// room on it: ChatRoom INVITE_MESSAGE_RECEIVED).
func (s *session) invite(l *lobbyState) *Element {
	m := el("message", "xmlns", nsClient, "from", l.mainJID, "to", s.jid.Load().String())
	return m.add(el("x", "xmlns", nsMUCUser).add(el("invite", "from", l.mainJID+"/"+focusNick)))
}

// lobbyNotice turns the room's lobby notices into the lobby room's
// stanzas; ok is false for other notices.
func (s *session) lobbyNotice(n room.Notice) ([]*Element, bool) {
	l := s.lobby.Load()
	switch n := n.(type) {
	case room.Admitted:
		if l != nil && l.ms != nil {
			l.admitted.Store(true)
			return []*Element{s.invite(l)}, true
		}
	case room.Denied:
		if l != nil && l.ms != nil && s.lobby.CompareAndSwap(l, nil) {
			p := s.lobbySelf(l, "unavailable", false)
			p.Children[0].add(el("status", "code", "307"))
			return []*Element{p}, true
		}
	case room.Knocking:
		if l != nil && l.ms == nil {
			return []*Element{s.lobbyOccupant(l, n.Participant)}, true
		}
	case room.KnockingGone:
		if l != nil && l.ms == nil {
			return []*Element{el("presence", "xmlns", nsClient, "type", "unavailable", "from", l.roomJID+"/"+n.ID, "to", s.jid.Load().String()).
				add(el("x", "xmlns", nsMUCUser).add(el("item", "role", "none", "affiliation", "none")))}, true
		}
	default:
		return nil, false
	}
	return nil, true
}

// lobbyIQ answers an IQ to the lobby room: a moderator denying a knocker
// (muc#admin role none, as lib-jitsi-meet's Lobby.denyAccess kicks it).
func (s *session) lobbyIQ(ctx context.Context, e, q *Element) *Element {
	self := s.jid.Load().String()
	l, occ := s.lobby.Load(), s.occ.Load()
	if l == nil || l.ms != nil || occ == nil || occ.ms == nil {
		return mucError(e, "cancel", "item-not-found", "join the lobby room as a moderator first", self)
	}
	it := q.Child(nsMUCAdmin, "item")
	if e.Get("type") != "set" || !q.Is(nsMUCAdmin, "query") || it == nil || it.Get("role") != "none" {
		return mucError(e, "cancel", "feature-not-implemented", "in the lobby room a moderator can only deny a knocker (role none)", self)
	}
	if err := occ.ms.Deny(ctx, it.Get("nick")); err != nil {
		return moderationError(e, err, self)
	}
	return iq("result", e.Get("id"), e.Get("to"), self)
}

// admitInvite lets a knocker in: a moderator's invite of it to the room
// (lib-jitsi-meet Lobby.approveAccess).
func (s *session) admitInvite(ctx context.Context, e, inv *Element, occ *occupancy) {
	if err := occ.ms.Admit(ctx, occupantOfJID(inv.Get("to"))); err != nil {
		s.send(moderationError(e, err, s.jid.Load().String()))
	}
}

// roomConfig answers the room's configuration form (muc#owner): get
// lists the lobby (members only) and password fields, set applies them
// as the room's SetLobby and SetPassword (lib-jitsi-meet setMembersOnly,
// lockRoom).
func (s *session) roomConfig(ctx context.Context, e, q *Element, occ *occupancy) *Element {
	self := s.jid.Load().String()
	info := occ.ms.Room().Info()
	if e.Get("type") == "get" {
		form := el("x", "xmlns", nsXData, "type", "form")
		for _, f := range [][3]string{
			{"FORM_TYPE", "hidden", "http://jabber.org/protocol/muc#roomconfig"},
			{"muc#roomconfig_membersonly", "boolean", fmt.Sprint(info.Lobby)},
			{"muc#roomconfig_passwordprotectedroom", "boolean", fmt.Sprint(info.HasPassword)},
			{"muc#roomconfig_roomsecret", "text-private", ""},
		} {
			form.add(el("field", "var", f[0], "type", f[1]).add(el("value").text(f[2])))
		}
		return iq("result", e.Get("id"), e.Get("to"), self).add(el("query", "xmlns", nsMUCOwner).add(form))
	}
	x := q.Child(nsXData, "x")
	if x == nil {
		return mucError(e, "modify", "bad-request", "submit the configuration form", self)
	}
	var err error
	for _, f := range x.Children {
		v := f.Child(nsXData, "value")
		if v == nil {
			continue
		}
		switch f.Get("var") {
		case "muc#roomconfig_membersonly":
			if on := v.Text == "true" || v.Text == "1"; on != info.Lobby {
				err = occ.ms.SetLobby(ctx, on)
			}
		case "muc#roomconfig_roomsecret":
			err = occ.ms.SetPassword(ctx, v.Text)
		}
		if err != nil {
			return moderationError(e, err, self)
		}
	}
	return iq("result", e.Get("id"), e.Get("to"), self)
}
