package signal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/sfu"
)

// join enters the room (or its lobby).
func (s *session) join(ctx context.Context, m *inbound) bool {
	s.mu.Lock()
	already := s.ms != nil
	s.mu.Unlock()
	if already {
		return s.reject("badRequest", "already joined")
	}
	c := s.claims
	s.region = runes.Cut(cmp.Or(m.Region, s.lbRegion), maxRegion) // the page's hint first, then the load balancer's
	if m.Resume != "" {
		s.keep = runes.Cut(m.KeepMedia, maxNode)
	}
	if m.Password != "" && !c.Moderator {
		if wait := s.srv.guesses.wait(s.key, s.clientIP); wait > 0 {
			s.refusePasswords(ctx, fmt.Sprintf("too many wrong passwords for this meeting from your address; try again in %s", wait.Round(time.Second)))
			return true
		}
	}
	s.mu.Lock() // held until s.ms is set: an Admitted notice waits for it
	ms, err := s.srv.cfg.Rooms.Join(ctx, room.JoinRequest{
		Key: s.key,
		Participant: s.grant.Participant(admission.Profile{DisplayName: m.DisplayName, Email: m.Email, UserAgent: s.userAgent,
			AudioMuted: m.AudioMuted, VideoMuted: m.VideoMuted}),
		Password: m.Password, LobbyBypass: c.LobbyBypass, Conn: s, CanVisit: true, Resume: runes.Cut(m.Resume, maxResume),
	})
	if err == nil {
		s.ms = ms
	}
	s.mu.Unlock()
	switch {
	case errors.Is(err, room.ErrPasswordRequired):
		s.send(errorMsg{Type: "error", Code: "passwordRequired", Message: err.Error()})
		return false
	case errors.Is(err, room.ErrPasswordWrong):
		return s.wrongPassword(ctx, err)
	case errors.Is(err, room.ErrFull):
		s.fail(CloseForbidden, "roomFull", err.Error())
		return true
	case err != nil:
		s.log.ErrorContext(ctx, "join", "err", err)
		s.fail(websocket.StatusInternalError, "internal", "could not join the meeting")
		return true
	}
	if ms.InLobby() {
		self, _ := ms.Self()
		s.send(lobbyMsg{Type: "lobby", Self: self})
		return false
	}
	return s.joinMedia(ctx)
}

// joinMedia connects the admitted participant's media and sends joined.
func (s *session) joinMedia(ctx context.Context) bool {
	s.mu.Lock()
	ms := s.ms
	if ms == nil || s.peer != nil || s.gone {
		s.mu.Unlock()
		return false
	}
	self, ok := ms.Self()
	if !ok {
		s.mu.Unlock()
		return true
	}
	info, participants := ms.View() // the meeting's room, or its breakout room
	sfuRoom := s.srv.attach(s, ms.Room(), info)
	s.meetingID = info.MeetingID
	joined := joinedMsg{Type: "joined", Self: self, Room: info, Participants: participants,
		DominantSpeaker: sfuRoom.DominantSpeaker(), Polls: ms.Room().Polls(), FollowMe: following(ms)}
	if t := s.resume.Load(); t != nil {
		joined.Resume = *t
	}
	peer, node := s.keepPeer(ctx, sfuRoom, info.MeetingID, self.ID)
	var err error
	if peer != nil {
		joined.Media, joined.MediaKept = node.ID, true
		s.send(joined)
	} else if peer, err = s.connectMedia(ctx, sfuRoom, &joined); err != nil {
		s.mu.Unlock()
		s.mediaFailed(ctx, err)
		return true
	}
	applyGate(ms, peer) // before any track: a force-muted joiner's media is dropped from the start
	s.peer = peer
	s.mu.Unlock()
	if joined.MediaKept {
		peer.Resync()
	}
	s.sendRecordingStatus()
	s.sendBreakoutRooms(ms)
	s.log.InfoContext(ctx, "joined", "participant", self.ID, "meeting", info.MeetingID, "moderator", self.Moderator())
	return false
}

// connectMedia places and joins the participant's media, sending joined
// in between (its ICE servers are the media node's).
func (s *session) connectMedia(ctx context.Context, sfuRoom *sfu.Room, joined *joinedMsg) (Peer, error) {
	node, err := s.placeMedia(ctx, joined.Room.MeetingID)
	if err != nil {
		return nil, err
	}
	if f := s.srv.cfg.ICEServers; f != nil {
		joined.ICEServers = f(joined.Self.ID, node)
	}
	joined.Media = node.ID
	s.send(*joined)
	return s.joinPeer(ctx, sfuRoom, node, joined.Room.MeetingID, joined.Self.ID)
}

// mediaFailed ends the session of a participant whose media could not
// start: no node may take it (ErrNodesFull), or joining it failed.
func (s *session) mediaFailed(ctx context.Context, err error) {
	if errors.Is(err, ErrNodesFull) {
		s.refuseMedia(ctx, err)
		return
	}
	s.log.ErrorContext(ctx, "join media", "err", err)
	s.fail(websocket.StatusInternalError, "internal", "could not connect media")
}

// wrongPassword answers a wrong room password and counts it against the
// connection and against the room and client address; true when the
// connection has had its share and ends.
func (s *session) wrongPassword(ctx context.Context, err error) bool {
	s.srv.guesses.fail(s.key, s.clientIP)
	s.wrongPasswords++
	if limit := s.srv.cfg.PasswordAttempts; s.wrongPasswords >= limit {
		s.refusePasswords(ctx, fmt.Sprintf("%d wrong passwords on this connection; reconnect to try again", limit))
		return true
	}
	s.send(errorMsg{Type: "error", Code: "passwordWrong", Message: err.Error()})
	return false
}

// refusePasswords ends a connection that guessed too many passwords, and
// tells the tenant's analytics.
func (s *session) refusePasswords(ctx context.Context, message string) {
	if r := s.srv.cfg.Refusals; r != nil && s.key.Tenant != "" {
		r.JoinRefused(ctx, s.key.Tenant, s.key.Name, "passwordAttempts", message, s.deviceID, s.userAgent)
	}
	s.refuse("passwordAttempts", message, CloseFlood)
}

// refuseMedia ends the connection of an admitted participant whose media
// no node can carry (ErrNodesFull), and tells the tenant's analytics.
func (s *session) refuseMedia(ctx context.Context, err error) {
	if r := s.srv.cfg.Refusals; r != nil && s.key.Tenant != "" {
		r.JoinRefused(ctx, s.key.Tenant, s.key.Name, "nodesFull", err.Error(), s.deviceID, s.userAgent)
	}
	s.log.WarnContext(ctx, "join refused: every node full", "err", err)
	s.refuse("nodesFull", err.Error(), CloseUnavailable)
}

// following is follow-me's state for a joiner's joined message; nil when off.
func following(ms *room.Membership) *room.FollowMe {
	if f := ms.FollowMe(); f.Leader != "" {
		return &f
	}
	return nil
}
