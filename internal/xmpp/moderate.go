package xmpp

import (
	"context"
	"errors"
	"strings"

	"github.com/confer-video/confer/internal/room"
)

// nsMUCAdmin is XEP-0045's admin namespace (kick, roles, affiliations).
const nsMUCAdmin = "http://jabber.org/protocol/muc#admin"

// isMute reports whether q is a jitmeet mute request, as lib-jitsi-meet's
// ChatRoom.muteParticipant sends it to the room's focus.
func isMute(q *Element) bool {
	return q.Is(nsJitAudio, "mute") || q.Is(nsJitVideo, "mute")
}

// mute asks the room to mute another participant, as the meeting page's
// moderators do (room.Membership.Mute: the room records it, the target's
// client is asked to mute and its media stops being forwarded). As for
// Jicofo, only a moderator may, and only mute: the target unmutes itself;
// a request for the client itself sets its own state.
func (s *session) mute(ctx context.Context, e, q *Element) *Element {
	self := s.jid.Load().String()
	occ := s.occ.Load()
	if occ == nil || occ.ms == nil {
		return mucError(e, "cancel", "not-acceptable", "join the room first", self)
	}
	muted := strings.TrimSpace(q.Text)
	target, ok := parseMUCJID(q.Get("jid"))
	if !ok || target.Nick == "" || (muted != "true" && muted != "false") {
		return mucError(e, "modify", "bad-request", "a mute has the occupant's jid (room@service/nick) and true or false", self)
	}
	video := q.Name.Space == nsJitVideo
	switch {
	case target.Nick == occ.nick:
		if err := s.muteSelf(occ, video, muted == "true"); err != nil {
			return moderationError(e, err, self)
		}
	case muted != "true":
		return mucError(e, "cancel", "not-allowed", "a moderator can only mute others; they unmute themselves", self)
	default:
		kind := "audio"
		if video {
			kind = "video"
		}
		if err := occ.ms.Mute(ctx, target.Nick, kind); err != nil {
			return moderationError(e, err, self)
		}
	}
	return iq("result", e.Get("id"), e.Get("to"), self)
}

// muteSelf sets the client's own audio or video state, which anyone may
// (Jicofo allows a mute request for oneself).
func (s *session) muteSelf(occ *occupancy, video, muted bool) error {
	me, ok := occ.ms.Self()
	if !ok {
		return room.ErrNoParticipant
	}
	st := room.MediaState{AudioMuted: me.AudioMuted, VideoMuted: me.VideoMuted, ScreenSharing: me.ScreenSharing}
	if video {
		st.VideoMuted = muted
	} else {
		st.AudioMuted = muted
	}
	return occ.ms.SetMedia(st)
}

// admin handles a muc#admin set (XEP-0045 §8, §9, §10): role none kicks an
// occupant (lib-jitsi-meet ChatRoom.kick); affiliation owner or role
// moderator makes it a moderator (ChatRoom.setAffiliation, grantOwner).
// Other changes are not supported by Confer's rooms.
func (s *session) admin(ctx context.Context, e, q *Element) *Element {
	self := s.jid.Load().String()
	occ := s.occ.Load()
	if occ == nil || occ.ms == nil {
		return mucError(e, "cancel", "not-acceptable", "join the room first", self)
	}
	if e.Get("type") != "set" {
		return mucError(e, "cancel", "feature-not-implemented", "this room does not list its roles or affiliations", self)
	}
	var items []*Element
	for _, c := range q.Children {
		if c.Is(nsMUCAdmin, "item") {
			items = append(items, c)
		}
	}
	if len(items) != 1 {
		return mucError(e, "modify", "bad-request", "change one occupant at a time", self)
	}
	it := items[0]
	target := it.Get("nick")
	if target == "" {
		target = occupantOfJID(it.Get("jid"))
	}
	if target == "" {
		return mucError(e, "modify", "bad-request", "the item names its occupant by nick or jid", self)
	}
	var err error
	switch role, aff := it.Get("role"), it.Get("affiliation"); {
	case role == "none":
		err = occ.ms.Kick(ctx, target)
	case aff == "owner" || aff == "admin" || role == "moderator":
		err = occ.ms.GrantModerator(ctx, target)
	case aff == "member":
		// lib-jitsi-meet makes everyone present a member before turning the
		// lobby on; in Confer everyone in the room is in already.
	default:
		return mucError(e, "cancel", "feature-not-implemented", "a moderator can remove occupants (role none) or make them moderators (owner)", self)
	}
	if err != nil {
		return moderationError(e, err, self)
	}
	return iq("result", e.Get("id"), e.Get("to"), self)
}

// occupantOfJID is the participant id of a real JID as occupant presences
// give it (<id>@domain/<id>, occupantPresence).
func occupantOfJID(j string) string {
	local, _, ok := strings.Cut(j, "@")
	if !ok {
		return ""
	}
	return local
}

// moderationError answers a refused moderation with the room's reason.
func moderationError(e *Element, err error, self string) *Element {
	switch {
	case errors.Is(err, room.ErrNotModerator):
		return mucError(e, "auth", "forbidden", "only a moderator can do this: "+err.Error(), self)
	case errors.Is(err, room.ErrNoParticipant):
		return mucError(e, "cancel", "item-not-found", err.Error(), self)
	case errors.Is(err, room.ErrInvalid):
		return mucError(e, "modify", "not-acceptable", err.Error(), self)
	}
	return mucError(e, "wait", "internal-server-error", "the room could not do this; try again", self)
}
