package xmpp

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
)

// Audio/video moderation for Jitsi clients, as Prosody's av_moderation
// component speaks it (jitsi-meet resources/prosody-plugins/
// mod_av_moderation_component.lua; lib-jitsi-meet modules/xmpp/
// AVModeration.ts): the server's disco#info names the component
// (identity type av_moderation); a moderator sends it
// <message to='avmoderation.<host>'><av_moderation mediaType='audio'
// enable='true'/></message>, or jidToWhitelist / jidToBlacklist with an
// occupant's JID; the component tells the occupants with json-messages
// {"type":"av_moderation",...}. The rules are the room's
// (room.Membership.SetAVModeration), as for the meeting page.

// avModerationDomain is the av_moderation component's address.
func (s *session) avModerationDomain() string {
	return "avmoderation." + strings.TrimPrefix(s.mucDomain(), "conference.")
}

// avCommand is one request to the component.
type avCommand struct {
	MediaType string `json:"mediaType"`
	// Kind is another name for MediaType, accepted in a json-message.
	Kind      string `json:"kind"`
	Enable    *bool  `json:"enable"`
	Whitelist string `json:"jidToWhitelist"`
	Blacklist string `json:"jidToBlacklist"`
}

// avCommandOf reads a message's av_moderation element (lib-jitsi-meet),
// or a json-message {"type":"av_moderation", ...} with the same fields.
func avCommandOf(e *Element) (avCommand, bool) {
	var c avCommand
	for _, ch := range e.Children {
		switch {
		case ch.Name.Local == "av_moderation":
			c.MediaType, c.Whitelist, c.Blacklist = ch.Get("mediaType"), ch.Get("jidToWhitelist"), ch.Get("jidToBlacklist")
			if v := ch.Get("enable"); v == "true" || v == "false" {
				on := v == "true"
				c.Enable = &on
			}
		case ch.Is(nsJitMeet, "json-message"):
			var j struct {
				avCommand
				Type string `json:"type"`
			}
			if json.Unmarshal([]byte(ch.Text), &j) != nil || j.Type != "av_moderation" {
				return c, false
			}
			c = j.avCommand
		default:
			continue
		}
		if c.MediaType == "" {
			c.MediaType = c.Kind
		}
		return c, (c.MediaType == room.MediaAudio || c.MediaType == room.MediaVideo) &&
			(c.Enable != nil || c.Whitelist != "" || c.Blacklist != "")
	}
	return c, false
}

// avModerationMessage handles a message to the component; false if e is
// not addressed to it.
func (s *session) avModerationMessage(ctx context.Context, e *Element) bool {
	if !strings.EqualFold(e.Get("to"), s.avModerationDomain()) {
		return false
	}
	if e.Get("type") == "error" {
		return true
	}
	self := s.jid.Load().String()
	occ := s.occ.Load()
	if occ == nil || occ.ms == nil {
		s.send(mucError(e, "cancel", "not-acceptable", "join the room first", self))
		return true
	}
	c, ok := avCommandOf(e)
	if !ok {
		s.send(mucError(e, "modify", "bad-request", "an av_moderation command has mediaType audio or video and enable, jidToWhitelist or jidToBlacklist", self))
		return true
	}
	var err error
	switch {
	case c.Enable != nil:
		err = occ.ms.SetAVModeration(ctx, c.MediaType, *c.Enable)
	case c.Whitelist != "":
		err = occ.ms.ApproveMedia(ctx, occupantNick(c.Whitelist), c.MediaType)
	default:
		err = occ.ms.RejectMedia(ctx, occupantNick(c.Blacklist), c.MediaType)
	}
	if err != nil {
		s.send(moderationError(e, err, self))
	}
	return true
}

// occupantNick is the nick of an occupant JID (room@muc/nick), or the
// string itself when it has no resource.
func occupantNick(j string) string {
	if _, nick, ok := strings.Cut(j, "/"); ok {
		return nick
	}
	return j
}

// avMessage is the component's json-message to the client.
func (s *session) avMessage(occ *occupancy, body map[string]any) *Element {
	body["type"] = "av_moderation"
	body["room"] = occ.roomJID
	return s.componentMessage(s.avModerationDomain(), body)
}

// componentMessage is a component's json-message to the client, as
// Prosody's components send them (send_json_message).
func (s *session) componentMessage(from string, body any) *Element {
	b, _ := json.Marshal(body)
	return el("message", "xmlns", nsClient, "from", from, "to", s.jid.Load().String()).
		add(el("json-message", "xmlns", nsJitMeet).text(string(b)))
}

// whitelists is the component's "whitelists": the occupant JIDs approved
// for each moderated kind.
func whitelists(occ *occupancy, approved map[string][]string) map[string][]string {
	out := map[string][]string{}
	for kind, ids := range approved {
		jids := make([]string, 0, len(ids))
		for _, id := range ids {
			jids = append(jids, occ.roomJID+"/"+id)
		}
		out[kind] = jids
	}
	return out
}

// avNotice turns the room's moderation notices into the component's
// messages; ok is false for other notices.
func (s *session) avNotice(occ *occupancy, n room.Notice) (out []*Element, ok bool) {
	switch n := n.(type) {
	case room.AVModerationChanged:
		return []*Element{s.avMessage(occ, map[string]any{"enabled": n.Enabled, "mediaType": n.Media, "actor": occ.roomJID + "/" + n.By})}, true
	case room.MediaApproved:
		if n.ID == occ.nick && !s.isModerator(occ) {
			body := map[string]any{"approved": true, "mediaType": n.Media}
			if n.Asked {
				body["from"] = occ.roomJID + "/" + n.By
			}
			return []*Element{s.avMessage(occ, body)}, true
		}
		if n.Asked {
			return nil, true
		}
		return []*Element{s.avMessage(occ, map[string]any{"mediaType": n.Media,
			"whitelists": whitelists(occ, map[string][]string{n.Media: n.Approved})})}, true
	case room.MediaRejected:
		if n.ID == occ.nick && !s.isModerator(occ) {
			return []*Element{s.avMessage(occ, map[string]any{"removed": true, "mediaType": n.Media})}, true
		}
		return []*Element{s.avMessage(occ, map[string]any{"removed": true, "mediaType": n.Media,
			"whitelists": whitelists(occ, map[string][]string{n.Media: n.Approved})})}, true
	case room.ForceMutedNotice:
		// The media server drops what the client may not send; the
		// client is asked to mute it, as Jicofo asks.
		s.gateMedia(occ.ms)
		if n.Audio {
			out = append(out, s.muteRequest(occ, room.RemoteMute{Media: room.MediaAudio, By: focusNick}))
		}
		if n.Video {
			out = append(out, s.muteRequest(occ, room.RemoteMute{Media: room.MediaVideo, By: focusNick}))
		}
		return out, true
	}
	return nil, false
}

// avModerationState is what a joiner learns of the room's moderation: a
// message for each kind that is on and, for a moderator, who is approved.
func (s *session) avModerationState(occ *occupancy) []*Element {
	st := occ.ms.Room().AVModeration()
	var out []*Element
	for _, kind := range []string{room.MediaAudio, room.MediaVideo} {
		if st.On[kind] {
			out = append(out, s.avMessage(occ, map[string]any{"enabled": true, "mediaType": kind, "actor": occ.roomJID + "/" + st.Actor[kind]}))
		}
	}
	if len(out) > 0 && s.isModerator(occ) {
		out = append(out, s.avMessage(occ, map[string]any{"whitelists": whitelists(occ, st.Approved)}))
	}
	return out
}

// gateOwnMedia applies gateMedia to a new media session.
func (s *session) gateOwnMedia() {
	if occ := s.occ.Load(); occ != nil {
		s.gateMedia(occ.ms)
	}
}

func (s *session) isModerator(occ *occupancy) bool {
	me, ok := occ.ms.Self()
	return ok && me.Moderator()
}

// gateMedia makes the media server drop what the room does not let the
// client send now. gateMu orders the calls; each reads the state afresh.
func (s *session) gateMedia(ms *room.Membership) {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	if j := s.media.Load(); j != nil && ms != nil {
		if peer := j.peerOf(); peer != nil {
			audio, video := ms.ForceMuted()
			visitor := ms.Visitor() // watches only (room/visitors.go)
			peer.SetSourceBlocked(sfu.SourceMic, audio || visitor)
			peer.SetSourceBlocked(sfu.SourceCamera, video || visitor)
			peer.SetSourceBlocked(sfu.SourceScreen, visitor)
		}
	}
}
