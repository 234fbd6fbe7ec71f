package xmpp

import (
	"context"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/sfu"
)

// startMedia joins the client's media to its room's SFU room; the session
// offer follows as soon as the SFU has made it.
func (s *session) startMedia(occ *occupancy, meetingID string) {
	if s.srv.cfg.SFU == nil {
		return
	}
	s.newMedia(occ.ms.Room(), occ.roomJID+"/"+focusNick, occ.nick, meetingID, randomID(8), occ.ms.Visitor())
	s.gateOwnMedia()
}

// newMedia starts a media session, sid, of the meeting roster has; a
// visitor's media goes to another node first (Edges).
func (s *session) newMedia(roster recording.Roster, focus, nick, meetingID, sid string, visitor bool) {
	j := &jingleSession{s: s, roster: roster, focus: focus, sid: sid, nick: nick, meetingID: meetingID, visitor: visitor,
		bridgeID: randomID(12), bridgePwd: randomID(16),
		announced: map[uint32]sfu.TrackInfo{}, sources: clientSources{bySSRC: map[uint32]clientSource{}}}
	j.room = s.srv.cfg.SFU.Acquire(meetingID)
	j.stopSpeaker = j.room.OnDominantSpeaker(j.dominantChanged)
	if rec := s.srv.cfg.Recording; rec != nil {
		rec.Attach(recording.Live{Key: s.grant.Key, MeetingID: meetingID, Roster: roster, Media: j.room,
			Notify: func(st recording.Status) { s.srv.recordingChanged(meetingID, st) }})
	}
	s.srv.mu.Lock()
	s.srv.bridges[j.bridgeID] = j
	s.srv.mu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	peer, err := s.joinBundled(j, visitor)
	if err != nil {
		j.ended = true
		go j.release()
		s.log.Error("join media", "err", err)
		return
	}
	j.peer = peer
	s.media.Store(j)
}

// restartMedia replaces a media session with a new one on a fresh
// connection (new ICE and DTLS), as Jicofo does: after the client
// terminated the old one asking for a restart, or after it reported ICE
// failed (session-info), when the focus terminates the old one first. (Not
// transport-replace: the SFU's new connection sends from new SSRCs, and
// lib-jitsi-meet would keep the old sources' tracks beside the new.)
func (s *session) restartMedia(old *jingleSession, terminate bool) {
	if !s.media.CompareAndSwap(old, nil) {
		return
	}
	old.mu.Lock()
	old.ended = true
	peer := old.peer
	old.mu.Unlock()
	if peer != nil {
		peer.Close() // before the new peer of the same id joins
	}
	if terminate {
		stanza, jn := old.jingleIQ("session-terminate")
		jn.add(el("reason").add(el("connectivity-error"), el("text").text("ICE failed: a new session follows")))
		s.enqueue(stanza)
	}
	s.log.Info("media session restarted")
	s.newMedia(old.roster, old.focus, old.nick, old.meetingID, randomID(8), old.visitor)
	s.gateOwnMedia()
	old.release() // after the new one holds the room
}

// endMedia ends the client's media; once.
func (s *session) endMedia() {
	if j := s.media.Swap(nil); j != nil {
		j.end()
	}
}

func (j *jingleSession) end() {
	j.mu.Lock()
	if j.ended {
		j.mu.Unlock()
		return
	}
	j.ended = true
	peer := j.peer
	j.mu.Unlock()
	if peer != nil {
		peer.Close()
	}
	j.release()
}

// release lets go of the session's room and bridge channel.
func (j *jingleSession) release() {
	j.stopSpeaker()
	j.s.srv.mu.Lock()
	delete(j.s.srv.bridges, j.bridgeID)
	j.s.srv.mu.Unlock()
	j.bridge.mu.Lock()
	conn := j.bridge.conn
	j.bridge.mu.Unlock()
	if conn != nil {
		conn.Close(websocket.StatusNormalClosure, "the media session ended")
	}
	if rec := j.s.srv.cfg.Recording; rec != nil {
		rec.Detach(context.Background(), j.s.grant.Key, j.meetingID)
	}
	j.room.Release()
}

// muteMedia stops forwarding the client's microphone or camera (a
// moderator's mute).
func (s *session) muteMedia(audio, video bool) {
	if j := s.media.Load(); j != nil {
		if peer := j.peerOf(); peer != nil {
			if audio {
				peer.SetSourceMuted(sfu.SourceMic, true)
			}
			if video {
				peer.SetSourceMuted(sfu.SourceCamera, true)
			}
		}
	}
}

// setMediaMuted follows the client's own mute state: a muted source is
// not forwarded.
func (s *session) setMediaMuted(audio, video bool) {
	if j := s.media.Load(); j != nil {
		if peer := j.peerOf(); peer != nil {
			peer.SetSourceMuted(sfu.SourceMic, audio)
			peer.SetSourceMuted(sfu.SourceCamera, video)
		}
	}
}
