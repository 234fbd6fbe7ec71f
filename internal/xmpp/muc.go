package xmpp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/room"
)

// Namespaces of multi-user chat (XEP-0045) and Jitsi's extensions.
const (
	nsMUC      = "http://jabber.org/protocol/muc"
	nsMUCUser  = "http://jabber.org/protocol/muc#user"
	nsNick     = "http://jabber.org/protocol/nick" // XEP-0172
	nsFocus    = "http://jitsi.org/protocol/focus"
	nsJitAudio = "http://jitsi.org/jitmeet/audio"
	nsJitVideo = "http://jitsi.org/jitmeet/video"
)

// focusNick is the focus occupant's nick (Jicofo's, lib-jitsi-meet
// moderator.js onMucMemberLeft).
const focusNick = "focus"

// maxPasswordAttempts is how many wrong room passwords a stream may send
// before it is ended.
const maxPasswordAttempts = 5

// Rooms is where Jitsi clients meet Confer's participants;
// *room.Manager implements it.
type Rooms interface {
	Join(ctx context.Context, req room.JoinRequest) (*room.Membership, error)
	WouldVisit(key room.Key, p room.Participant, lobbyBypass bool) bool
}

// occupancy is a client's place in its room's MUC; set once when it
// joins, read by the notice pump.
type occupancy struct {
	ms      *room.Membership
	roomJID string // the room's bare JID as the client wrote it
	nick    string // the client's nick: its participant id
}

// mucJID splits a JID addressed to a room: room@muc-domain[/nick].
type mucJID struct {
	Room, Domain, Nick string
}

func parseMUCJID(s string) (mucJID, bool) {
	bare, nick, _ := strings.Cut(s, "/")
	local, domain, ok := strings.Cut(bare, "@")
	if !ok || local == "" || domain == "" {
		return mucJID{}, false
	}
	return mucJID{Room: local, Domain: domain, Nick: nick}, true
}

// mucDomain is the MUC service of the client's tenant (config.js's
// hosts.muc).
func (s *session) mucDomain() string {
	_, muc, _ := Hosts(s.ep.Domain, s.ep.Tenant)
	return muc
}

// focusDomain is config.js's hosts.focus.
func (s *session) focusDomain() string {
	_, _, focus := Hosts(s.ep.Domain, s.ep.Tenant)
	return focus
}

// focusJID is the focus occupant's real JID (config.js focusUserJid).
func focusJID(domain string) string { return "focus@auth." + domain }

// toMUC reports whether a stanza's to is on the MUC service.
func (s *session) toMUC(to string) (mucJID, bool) {
	j, ok := parseMUCJID(to)
	return j, ok && s.srv.cfg.Rooms != nil && strings.EqualFold(j.Domain, s.mucDomain())
}

// presence handles a presence to a room: join, update or leave.
func (s *session) presence(ctx context.Context, e *Element) bool {
	if to, ok := s.toLobby(e.Get("to")); ok {
		return s.lobbyPresence(ctx, e, to)
	}
	to, ok := s.toMUC(e.Get("to"))
	if !ok {
		s.bounce(e)
		return false
	}
	occ := s.occ.Load()
	switch {
	case e.Get("type") == "unavailable":
		if occ != nil {
			s.leave(ctx, room.LeftNormally)
			s.send(s.selfUnavailable(occ))
		}
		return false
	case e.Get("type") != "":
		return false // subscriptions and errors mean nothing to a room
	case occ == nil:
		return s.join(ctx, e, to)
	case to.Nick != occ.nick || !strings.EqualFold(to.Room, strings.Split(occ.roomJID, "@")[0]):
		s.send(mucError(e, "cancel", "not-acceptable", "a client is in one room, under one nick", s.jid.Load().String()))
		return false
	}
	s.update(occ, e)
	return false
}

// join enters the room of the client's grant through room.Manager.Join,
// where password, capacity and lobby are decided as for the web page.
func (s *session) join(ctx context.Context, e *Element, to mucJID) bool {
	self := s.jid.Load().String()
	if e.Child(nsMUC, "x") == nil {
		s.send(mucError(e, "cancel", "item-not-found", "join a room first, with <x xmlns='"+nsMUC+"'/>", self))
		return false
	}
	if !strings.EqualFold(to.Room, s.grant.Key.Name) {
		s.send(mucError(e, "auth", "forbidden", fmt.Sprintf("your token is for the room %q", s.grant.Key.Name), self))
		return false
	}
	if !validNick(to.Nick) {
		s.send(mucError(e, "modify", "jid-malformed", "a nick has 1 to 64 letters, digits, - or _, and is not "+focusNick, self))
		return false
	}
	var password string
	if p := e.Child(nsMUC, "x").Child(nsMUC, "password"); p != nil {
		password = p.Text
	}
	bare, _, _ := strings.Cut(e.Get("to"), "/")
	occ := &occupancy{roomJID: bare, nick: to.Nick}
	// Both before Join: the others' presences of the newcomer have its
	// extensions, and the room's first notices name it.
	if !s.srv.register(s.grant.Key, to.Nick, s, extrasOf(e)) &&
		!(s.promotedVisitor && s.srv.endVisitor(ctx, s.grant.Key, to.Nick) && s.srv.register(s.grant.Key, to.Nick, s, extrasOf(e))) {
		return s.joinRefused(e, room.ErrIDTaken)
	}
	s.occ.Store(occ)
	g, err := s.deviceGrant(ctx, e)
	if err != nil {
		s.notJoined(to.Nick)
		return s.joinRefused(e, err)
	}
	ms := s.admitted(to) // let in from the lobby
	if ms == nil {
		ms, err = s.srv.cfg.Rooms.Join(ctx, room.JoinRequest{Key: s.grant.Key, ID: to.Nick, Visitor: s.ep.Vnode != "",
			Participant: g.Participant(s.profile(e)), Password: password, LobbyBypass: s.grant.Claims.LobbyBypass, Conn: s})
	}
	if err != nil {
		s.notJoined(to.Nick)
		return s.joinRefused(e, err)
	}
	if ms.InLobby() {
		ms.Leave(ctx, room.LeftNormally)
		s.notJoined(to.Nick)
		s.knockNick = to.Nick // it knocks as who it will be in the room
		s.send(s.lobbyRefusal(e, to.Room))
		return false
	}
	occ.ms = ms
	s.startPump(append(s.joinPresences(occ), s.avModerationState(occ)...))
	info, _ := ms.Room().Snapshot()
	s.startMedia(occ, info.MeetingID)
	me, _ := ms.Self()
	s.log.InfoContext(ctx, "joined the room", "participant", me.ID, "moderator", me.Moderator())
	return false
}

// joinRefused answers a refused join as XEP-0045 §7.2 says.
func (s *session) joinRefused(e *Element, err error) bool {
	self := s.jid.Load().String()
	switch {
	case errors.Is(err, room.ErrPasswordRequired):
		s.send(mucError(e, "auth", "not-authorized", "passwordRequired: "+err.Error(), self))
	case errors.Is(err, room.ErrPasswordWrong):
		s.send(mucError(e, "auth", "not-authorized", "passwordWrong: "+err.Error(), self))
		if s.wrongPasswords++; s.wrongPasswords >= maxPasswordAttempts {
			s.fail("policy-violation", fmt.Sprintf("%d wrong passwords on this stream; reconnect to try again", maxPasswordAttempts))
			return true
		}
	case errors.Is(err, room.ErrFull):
		s.send(mucError(e, "wait", "service-unavailable", "roomFull: "+err.Error(), self))
	case errors.Is(err, room.ErrIDTaken):
		s.send(mucError(e, "cancel", "conflict", err.Error(), self))
	case errors.As(err, new(*admission.Refusal)):
		s.send(mucError(e, "auth", "forbidden", err.Error(), self))
	default:
		s.log.Error("join", "err", err)
		s.send(mucError(e, "wait", "internal-server-error", "could not join the meeting", self))
	}
	return false
}

// notJoined undoes a join's preparations.
func (s *session) notJoined(nick string) {
	s.occ.Store(nil)
	s.srv.unregister(s.grant.Key, nick, s)
	s.dropQueued()
}

// leave takes the client out of its room; once.
func (s *session) leave(ctx context.Context, reason room.LeaveReason) {
	s.endMedia()
	s.leaveLobby(ctx, reason)
	occ := s.occ.Swap(nil)
	if occ == nil || occ.ms == nil {
		return
	}
	occ.ms.Leave(ctx, reason)
	s.notJoined(occ.nick)
}

// profile is what the join presence says of the client.
func (s *session) profile(e *Element) admission.Profile {
	p := admission.Profile{UserAgent: s.ep.UserAgent}
	if n := e.Child(nsNick, "nick"); n != nil {
		p.DisplayName = n.Text
	}
	if m := e.Child(nsClient, "email"); m != nil {
		p.Email = m.Text
	}
	p.AudioMuted, p.VideoMuted = mutedIn(e, true, true)
	return p
}

// update applies a presence update: display name, mute state and hand
// go through the room (everyone hears of them); other extensions reach
// the room's other Jitsi clients.
func (s *session) update(occ *occupancy, e *Element) {
	if !s.updates.Allow() {
		// Each update reaches everyone in the room: a client may not make
		// the server send much more than it sends.
		s.send(mucError(e, "wait", "policy-violation", fmt.Sprintf("at most %v presence updates a second; slow down", s.srv.cfg.UpdatesPerSecond), s.jid.Load().String()))
		return
	}
	me, ok := occ.ms.Self()
	if !ok {
		return
	}
	if me.Role == room.RoleVisitor { // it watches: its hand asks to join, nothing else changes
		if raised := handRaised(e); raised != me.HandRaised {
			if err := occ.ms.AskToJoin(raised); err != nil {
				s.log.Debug("visitor's hand", "err", err)
			}
		}
		return
	}
	others := s.srv.setExtras(s.grant.Key, occ.nick, s, extrasOf(e))
	changed := false
	if n := e.Child(nsNick, "nick"); n != nil && strings.TrimSpace(n.Text) != "" && strings.TrimSpace(n.Text) != me.Name {
		changed = occ.ms.SetName(n.Text) == nil || changed
	}
	audio, video := mutedIn(e, me.AudioMuted, me.VideoMuted)
	screen, desktop := screenIn(e, me.ScreenSharing)
	if j := s.media.Load(); j != nil && desktop != nil {
		j.setDesktopSources(desktop)
	}
	if audio != me.AudioMuted || video != me.VideoMuted || screen != me.ScreenSharing {
		// The room may refuse an unmute (audio/video moderation): then
		// the media stays stopped.
		err := occ.ms.SetMedia(room.MediaState{AudioMuted: audio, VideoMuted: video, ScreenSharing: screen})
		if err == nil && (audio != me.AudioMuted || video != me.VideoMuted) {
			s.setMediaMuted(audio, video)
		}
		changed = err == nil || changed
	}
	if raised := handRaised(e); raised != me.HandRaised {
		changed = occ.ms.RaiseHand(raised) == nil || changed
	}
	if changed || len(others) == 0 {
		return // the room's update carries the extensions
	}
	if me, ok = occ.ms.Self(); ok {
		for _, o := range others {
			o.Notify(room.ParticipantUpdated{Participant: me})
		}
	}
}

// validNick accepts what Jitsi clients use as nick (their endpoint id).
func validNick(n string) bool {
	if n == "" || len(n) > 64 || strings.EqualFold(n, focusNick) {
		return false
	}
	return !strings.ContainsFunc(n, func(r rune) bool {
		return !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
}

// mucError is a presence or message error with a text (RFC 6120 §8.3).
func mucError(req *Element, errType, cond, text, self string) *Element {
	e := stanzaError(req, errType, cond, self)
	e.Children[0].add(el("text", "xmlns", nsStanzas).text(text))
	return e
}
