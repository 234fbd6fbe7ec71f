package xmpp

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/room"
)

// joinPresences are what a joining client gets, in XEP-0045 §7.2.3's
// order: the focus, every other occupant, then its own presence (110).
func (s *session) joinPresences(occ *occupancy) []*Element {
	_, members := occ.ms.Room().Snapshot()
	focus := s.focusPresence(occ)
	// A recording already running: the joining client sees it at once.
	if rec := s.srv.cfg.Recording; rec != nil {
		if st, err := rec.Status(s.grant.Key); err == nil && st.On {
			focus.add(jibriStatus(occ, st))
		}
	}
	out := []*Element{focus}
	var me *room.Participant
	for i, p := range members {
		if p.ID == occ.nick {
			me = &members[i]
			continue
		}
		out = append(out, s.occupantPresence(occ, p))
	}
	if me == nil { // a visitor is in no roster, its own neither
		if self, ok := occ.ms.Self(); ok {
			me = &self
		}
	}
	if me != nil {
		out = append(out, s.occupantPresence(occ, *me))
	}
	return out
}

// focusPresence is the focus occupant, as Jicofo is in every Jitsi room:
// lib-jitsi-meet recognises it by its real JID (ChatRoom.onPresence
// isFocus, config.js focusUserJid).
func (s *session) focusPresence(occ *occupancy) *Element {
	p := el("presence", "xmlns", nsClient, "from", occ.roomJID+"/"+focusNick, "to", s.jid.Load().String())
	x := el("x", "xmlns", nsMUCUser).add(el("item", "jid", focusJID(s.ep.Domain)+"/"+focusNick, "role", "moderator", "affiliation", "owner"))
	// The focus restarts a media session its client terminates asking for
	// a restart (lib-jitsi-meet IceFailedHandling).
	props := el("conference-properties", "xmlns", nsFocus).add(el("property", "key", "support-terminate-restart", "value", "true"))
	if n := occ.ms.Room().Info().Visitors; n > 0 { // jitsi-meet shows the count (visitors-count in its redux)
		props.add(el("property", "key", "visitor-count", "value", strconv.Itoa(n)))
	}
	return p.add(x, props)
}

// occupantPresence is participant p as an occupant: its display name
// (nick), mute state (SourceInfo, as lib-jitsi-meet's source-name
// signaling reads it, and the older audiomuted/videomuted), raised hand,
// identity from the token, and jid/role/affiliation; 110 for the client
// itself.
func (s *session) occupantPresence(occ *occupancy, p room.Participant) *Element {
	self := s.jid.Load()
	pr := el("presence", "xmlns", nsClient, "from", occ.roomJID+"/"+p.ID, "to", self.String())
	pr.add(el("nick", "xmlns", nsNick).text(p.Name))
	extras := s.srv.extrasFor(s.grant.Key, p.ID) // a Jitsi client's own: stats-id, features, SourceInfo…
	pr.add(extras...)
	if !slices.ContainsFunc(extras, func(e *Element) bool { return e.Name.Local == "SourceInfo" }) {
		sources, _ := json.Marshal(map[string]any{
			p.ID + "-a0": map[string]bool{"muted": p.AudioMuted},
			p.ID + "-v0": map[string]any{"muted": p.VideoMuted, "videoType": "camera"},
		})
		pr.add(el("SourceInfo").text(string(sources)))
	}
	pr.add(el("audiomuted").text(strconv.FormatBool(p.AudioMuted)), el("videomuted").text(strconv.FormatBool(p.VideoMuted)))
	// jitsi-meet's raised hand: a timestamp (the join time: the room keeps
	// no raise time), 0 when lowered, as jitsi-meet itself lowers it.
	hand := "0"
	if p.HandRaised {
		hand = strconv.FormatInt(p.JoinedAt.UnixMilli(), 10)
	}
	pr.add(el("jitsi_participant_raisedHand").text(hand))
	if p.Email != "" {
		pr.add(el("email").text(p.Email))
	}
	if p.UserID != "" || p.Avatar != "" || p.Group != "" {
		user := el("user")
		for _, kv := range [][2]string{{"id", p.UserID}, {"name", p.Name}, {"avatar", p.Avatar}} {
			if kv[1] != "" {
				user.add(el(kv[0]).text(kv[1]))
			}
		}
		id := el("identity").add(user)
		if p.Group != "" {
			id.add(el("group").text(p.Group))
		}
		pr.add(id)
	}
	role, affiliation := mucRole(p)
	jid := p.ID + "@" + self.Domain + "/" + p.ID
	if p.ID == occ.nick {
		jid = self.String()
	}
	x := el("x", "xmlns", nsMUCUser).add(el("item", "jid", jid, "role", role, "affiliation", affiliation))
	if p.ID == occ.nick {
		x.add(el("status", "code", "110"))
	}
	return pr.add(x)
}

// unavailable is an occupant leaving (XEP-0045 §7.14); codes are its
// status codes (307 kicked).
func (s *session) unavailable(occ *occupancy, id string, codes ...string) *Element {
	p := el("presence", "xmlns", nsClient, "type", "unavailable", "from", occ.roomJID+"/"+id, "to", s.jid.Load().String())
	x := el("x", "xmlns", nsMUCUser).add(el("item", "role", "none", "affiliation", "none"))
	for _, c := range codes {
		x.add(el("status", "code", c))
	}
	return p.add(x)
}

// selfUnavailable confirms the client's own leaving.
func (s *session) selfUnavailable(occ *occupancy, codes ...string) *Element {
	return s.unavailable(occ, occ.nick, append([]string{"110"}, codes...)...)
}

// notice turns a room notice into the stanzas the client gets.
func (s *session) notice(occ *occupancy, n room.Notice) []*Element {
	if out, ok := s.lobbyNotice(n); ok {
		return out
	}
	if occ == nil {
		return nil
	}
	if out, ok := s.avNotice(occ, n); ok {
		return out
	}
	switch n := n.(type) {
	case room.RoomUpdated:
		// Status 104: the room's configuration changed (lobby, password);
		// lib-jitsi-meet asks for the room's disco#info again.
		return []*Element{el("message", "xmlns", nsClient, "type", "groupchat", "from", occ.roomJID, "to", s.jid.Load().String()).
			add(el("x", "xmlns", nsMUCUser).add(el("status", "code", "104")))}
	case room.ParticipantJoinedNotice:
		return []*Element{s.occupantPresence(occ, n.Participant)}
	case room.ParticipantUpdated:
		return []*Element{s.occupantPresence(occ, n.Participant)}
	case room.ParticipantLeftNotice:
		return []*Element{s.unavailable(occ, n.ID)}
	case room.Chat:
		return s.chatMessage(occ, n)
	case room.RemoteMute:
		// The SFU stops forwarding at once, as for the page's participants;
		// the client's own presence unmutes it later.
		s.muteMedia(n.Media == "audio", n.Media == "video")
		return []*Element{s.muteRequest(occ, n)}
	case room.Promoted:
		return s.promoted(occ)
	case room.VisitorRequest:
		return s.promotionRequest(occ, n)
	case room.VisitorsChanged:
		return []*Element{s.focusPresence(occ)} // its visitor-count
	case room.Kicked:
		s.removed(occ)
		return []*Element{s.selfUnavailable(occ, "307")}
	case room.Ended:
		// As Jicofo ends a meeting: the room is destroyed (lib-jitsi-meet
		// CONFERENCE_FAILED conference.destroyed, with the reason).
		s.removed(occ)
		p := s.selfUnavailable(occ)
		p.Children[len(p.Children)-1].add(el("destroy").add(el("reason").text("The meeting has been ended by a moderator")))
		return []*Element{p}
	}
	return nil
}

// removed forgets the room that removed the client (kick, end).
func (s *session) removed(occ *occupancy) {
	if s.occ.CompareAndSwap(occ, nil) {
		s.srv.unregister(s.grant.Key, occ.nick, s)
	}
}

// chatMessage is a room chat message: groupchat for everyone (reflected
// to its sender too, as a MUC does), chat for a private one (not
// reflected).
func (s *session) chatMessage(occ *occupancy, n room.Chat) []*Element {
	typ := "groupchat"
	if n.Private {
		if n.Message.From == occ.nick {
			return nil
		}
		typ = "chat"
	}
	m := el("message", "xmlns", nsClient, "type", typ, "from", occ.roomJID+"/"+n.Message.From, "to", s.jid.Load().String(), "id", randomID(6))
	m.add(el("body").text(n.Message.Text))
	if n.Private {
		m.add(el("x", "xmlns", nsMUCUser))
	}
	return []*Element{m}
}

// muteRequest asks the client to mute, from the focus as Jicofo does
// (lib-jitsi-meet ChatRoom onMute accepts it only from room/focus).
func (s *session) muteRequest(occ *occupancy, n room.RemoteMute) *Element {
	ns := nsJitAudio
	if n.Media == "video" {
		ns = nsJitVideo
	}
	q := iq("set", "confer-mute-"+randomID(4), occ.roomJID+"/"+focusNick, s.jid.Load().String())
	return q.add(el("mute", "xmlns", ns, "actor", occ.roomJID+"/"+n.By).text("true"))
}

// mutedIn reads a presence's mute state: SourceInfo (source-name
// signaling) first, else audiomuted/videomuted; audio and video are the
// current values, kept when the presence says nothing.
func mutedIn(e *Element, audio, video bool) (bool, bool) {
	if si := e.Child(nsClient, "SourceInfo"); si != nil {
		var sources map[string]struct {
			Muted bool `json:"muted"`
		}
		if json.Unmarshal([]byte(si.Text), &sources) == nil {
			for name, src := range sources {
				switch {
				case strings.HasSuffix(name, "-a0"):
					audio = src.Muted
				case strings.HasSuffix(name, "-v0"):
					video = src.Muted
				}
			}
			return audio, video
		}
	}
	if a := e.Child(nsClient, "audiomuted"); a != nil {
		audio = strings.TrimSpace(a.Text) == "true"
	}
	if v := e.Child(nsClient, "videomuted"); v != nil {
		video = strings.TrimSpace(v.Text) == "true"
	}
	return audio, video
}

// screenIn reads whether a presence says the client shares its screen,
// and which of its video sources are screen shares: SourceInfo's
// videoType "desktop" (unmuted) with source names, else the older
// <videoType/> (lib-jitsi-meet stable-6726 replaces its camera with the
// screen). cur is kept when the presence says nothing.
func screenIn(e *Element, cur bool) (bool, map[string]bool) {
	if si := e.Child(nsClient, "SourceInfo"); si != nil {
		var sources map[string]struct {
			Muted     bool   `json:"muted"`
			VideoType string `json:"videoType"`
		}
		if json.Unmarshal([]byte(si.Text), &sources) == nil {
			desktop, sharing := map[string]bool{}, false
			for name, src := range sources {
				if src.VideoType == "desktop" {
					desktop[name] = true
					sharing = sharing || !src.Muted
				}
			}
			if len(desktop) > 0 || e.Child(nsClient, "videoType") == nil {
				return sharing, desktop
			}
		}
	}
	if v := e.Child(nsClient, "videoType"); v != nil {
		return strings.TrimSpace(v.Text) == "desktop", nil
	}
	return cur, nil
}

// handRaised reads jitsi-meet's raised hand (a timestamp; absent or
// empty when lowered).
func handRaised(e *Element) bool {
	h := e.Child(nsClient, "jitsi_participant_raisedHand")
	return h != nil && strings.TrimSpace(h.Text) != "" && strings.TrimSpace(h.Text) != "0"
}

// recordingChanged tells the meeting's Jitsi clients on this server that
// recording started or stopped, in the focus's presence as Jicofo relays
// Jibri's status (lib-jitsi-meet RecordingManager: RECORDER_STATE_CHANGED).
func (s *Server) recordingChanged(meetingID string, st recording.Status) {
	for _, j := range s.bridgesOf(meetingID) {
		if occ := j.s.occ.Load(); occ != nil {
			p := j.s.focusPresence(occ)
			j.s.enqueue(p.add(jibriStatus(occ, st)))
		}
	}
}

// jibriStatus is Jibri's recording status element for st.
func jibriStatus(occ *occupancy, st recording.Status) *Element {
	status, mode := "off", cmp.Or(st.Mode, "file")
	if st.On {
		status = "on"
	}
	initiator := ""
	if st.InitiatorID != "" {
		initiator = occ.roomJID + "/" + st.InitiatorID
	}
	return el("jibri-recording-status", "xmlns", nsJibri, "status", status,
		"recording_mode", mode, "session_id", st.SessionID, "initiator", initiator)
}
