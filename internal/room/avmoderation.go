package room

import (
	"context"
	"fmt"
	"slices"
)

// Audio/video moderation, as Jitsi Meet's (Prosody's mod_av_moderation):
// a moderator turns it on for "audio" or "video"; from then on the
// participants who are not moderators are muted (their video stopped) and
// may not unmute until a moderator approves them (or turns it off). The
// room is the one place that decides; both client protocols ask it, and
// the media server stops forwarding what a participant may not send
// (ForceMuted, and the ForceMutedNotice each participant gets).

// Media kinds a moderator can moderate.
const (
	MediaAudio = "audio"
	MediaVideo = "video"
)

func validKind(kind string) error {
	if kind != MediaAudio && kind != MediaVideo {
		return fmt.Errorf("%w: kind %q is not audio or video", ErrInvalid, cut(kind, 20))
	}
	return nil
}

// Notices of audio/video moderation.
type (
	// AVModerationChanged tells everyone a moderator turned moderation of
	// Media on or off.
	AVModerationChanged struct {
		Media   string `json:"kind"`
		Enabled bool   `json:"enabled"`
		By      string `json:"by"`
	}
	// MediaApproved tells a participant (ID) and the moderators that a
	// moderator allows it to unmute Media; with moderation off (Asked), it
	// only asks the participant to unmute.
	MediaApproved struct {
		ID    string `json:"id"`
		Media string `json:"kind"`
		By    string `json:"by"`
		Asked bool   `json:"asked,omitempty"`
		// Approved lists who may unmute Media now (participant ids).
		Approved []string `json:"approved"`
	}
	// MediaRejected tells a participant (ID) and the moderators that a
	// moderator withdrew (or refused) its approval to unmute Media.
	MediaRejected struct {
		ID    string `json:"id"`
		Media string `json:"kind"`
		By    string `json:"by"`
		// Approved lists who may unmute Media now (participant ids).
		Approved []string `json:"approved"`
	}
	// ForceMutedNotice tells a participant which of its media it may not
	// send now; its connection stops forwarding them.
	ForceMutedNotice struct {
		Audio bool `json:"audio"`
		Video bool `json:"video"`
	}
)

func (AVModerationChanged) Kind() string { return "avModeration" }
func (MediaApproved) Kind() string       { return "mediaApproved" }
func (MediaRejected) Kind() string       { return "mediaRejected" }
func (ForceMutedNotice) Kind() string    { return "forceMuted" }

// avState is a room's audio/video moderation: which kinds are moderated,
// and who a moderator approved for each. Guarded by the room's mu.
type avState struct {
	approved map[string]map[string]bool // kind → participant id → approved
	actors   map[string]string          // kind → who turned it on
}

// AVModeration is a room's audio/video moderation as a joiner learns it.
type AVModeration struct {
	// On, Actor and Approved are by kind ("audio", "video"): whether it
	// is on, who turned it on, who a moderator approved.
	On       map[string]bool
	Actor    map[string]string
	Approved map[string][]string
}

// AVModeration returns the room's audio/video moderation now.
func (r *Room) AVModeration() AVModeration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.avSnapshot()
}

// avSnapshot is AVModeration. Called with r.mu held.
func (r *Room) avSnapshot() AVModeration {
	out := AVModeration{On: map[string]bool{}, Actor: map[string]string{}, Approved: map[string][]string{}}
	for _, kind := range []string{MediaAudio, MediaVideo} {
		if r.av.on(kind) {
			out.On[kind], out.Actor[kind], out.Approved[kind] = true, r.av.actors[kind], r.av.list(kind)
		}
	}
	return out
}

// avRestore turns on the moderation a (avSnapshot) describes. Called
// before the room is shared.
func (r *Room) avRestore(a AVModeration) {
	for kind, on := range a.On {
		if !on || kind != MediaAudio && kind != MediaVideo {
			continue
		}
		if r.av.approved == nil {
			r.av.approved, r.av.actors = map[string]map[string]bool{}, map[string]string{}
		}
		r.av.approved[kind], r.av.actors[kind] = map[string]bool{}, a.Actor[kind]
		for _, id := range a.Approved[kind] {
			r.av.approved[kind][id] = true
		}
		r.info.AudioModeration = r.info.AudioModeration || kind == MediaAudio
		r.info.VideoModeration = r.info.VideoModeration || kind == MediaVideo
	}
}

// list is who is approved for kind, sorted. Called with r.mu held.
func (a *avState) list(kind string) []string {
	out := make([]string, 0, len(a.approved[kind]))
	for id := range a.approved[kind] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (a *avState) on(kind string) bool { return a.approved[kind] != nil }

// forceMuted reports whether p may not unmute kind. Called with r.mu held.
func (r *Room) forceMuted(p *Participant, kind string) bool {
	return r.av.on(kind) && !p.Moderator() && !r.av.approved[kind][p.ID]
}

// ForceMuted reports whether the participant may not send audio, video.
func (ms *Membership) ForceMuted() (audio, video bool) {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	mb, ok := r.members[ms.id]
	if !ok {
		return false, false
	}
	return mb.p.AudioForceMuted, mb.p.VideoForceMuted
}

// mayUnmute refuses a media state that unmutes what p may not. Called
// with r.mu held.
func (r *Room) mayUnmute(p *Participant, s MediaState) error {
	if !s.AudioMuted && r.forceMuted(p, MediaAudio) {
		return fmt.Errorf("%w: audio moderation is on; ask to speak (raise your hand)", ErrForceMuted)
	}
	if !s.VideoMuted && r.forceMuted(p, MediaVideo) {
		return fmt.Errorf("%w: video moderation is on; ask to start your video (raise your hand)", ErrForceMuted)
	}
	return nil
}

// restrict brings mb's force-muted state up to date: a participant newly
// restricted is muted, and told (ForceMutedNotice). It reports whether mb
// changed; the caller broadcasts. Called with r.mu held.
func (r *Room) restrict(mb *member) bool {
	if !r.restrictQuietly(mb) {
		return false
	}
	mb.conn.Notify(ForceMutedNotice{Audio: mb.p.AudioForceMuted, Video: mb.p.VideoForceMuted})
	return true
}

// restrictQuietly is restrict without the notice, for a joiner, whose
// joined message says. Called with r.mu held.
func (r *Room) restrictQuietly(mb *member) bool {
	audio, video := r.forceMuted(&mb.p, MediaAudio), r.forceMuted(&mb.p, MediaVideo)
	p := &mb.p
	if audio == p.AudioForceMuted && video == p.VideoForceMuted {
		return false
	}
	p.AudioForceMuted, p.VideoForceMuted = audio, video
	if audio {
		p.AudioMuted = true
	}
	if video {
		p.VideoMuted = true
	}
	return true
}

// restrictAll applies restrict to every member. Called with r.mu held.
func (r *Room) restrictAll() {
	for _, mb := range r.members {
		if r.restrict(mb) {
			r.broadcast(ParticipantUpdated{Participant: mb.p})
		}
	}
}

// SetAVModeration turns moderation of kind ("audio" or "video") on or
// off. On, everyone but the moderators is muted and may not unmute until
// approved; approvals start afresh each time it is turned on. Off, anyone
// may unmute.
func (ms *Membership) SetAVModeration(ctx context.Context, kind string, enabled bool) error {
	if err := validKind(kind); err != nil {
		return err
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if r.av.on(kind) == enabled {
			return nil, nil
		}
		if r.av.approved == nil {
			r.av.approved, r.av.actors = map[string]map[string]bool{}, map[string]string{}
		}
		if enabled {
			r.av.approved[kind], r.av.actors[kind] = map[string]bool{}, self.p.ID
		} else {
			delete(r.av.approved, kind)
			delete(r.av.actors, kind)
		}
		if kind == MediaAudio {
			r.info.AudioModeration = enabled
		} else {
			r.info.VideoModeration = enabled
		}
		r.broadcast(AVModerationChanged{Media: kind, Enabled: enabled, By: self.p.ID})
		r.broadcast(RoomUpdated{Room: r.info})
		r.restrictAll()
		return nil, nil
	})
}

// ApproveMedia lets a participant unmute kind while moderation of kind is
// on (Jitsi's askToUnmute, approveVideo), and lowers its hand. With
// moderation off, it only asks the participant to unmute.
func (ms *Membership) ApproveMedia(ctx context.Context, target, kind string) error {
	if err := validKind(kind); err != nil {
		return err
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		n := MediaApproved{ID: target, Media: kind, By: self.p.ID, Asked: !r.av.on(kind)}
		if !n.Asked {
			r.av.approved[kind][target] = true
			mb.p.HandRaised = false
			r.restrict(mb)
			r.broadcast(ParticipantUpdated{Participant: mb.p})
		}
		n.Approved = r.av.list(kind)
		r.notifyTargetAndModerators(mb, n)
		return nil, nil
	})
}

// RejectMedia withdraws a participant's approval to unmute kind (or
// refuses its request to speak): it is muted again, its hand lowered.
func (ms *Membership) RejectMedia(ctx context.Context, target, kind string) error {
	if err := validKind(kind); err != nil {
		return err
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		if !r.av.on(kind) {
			return nil, fmt.Errorf("%w: %s moderation is off; mute the participant instead", ErrInvalid, kind)
		}
		delete(r.av.approved[kind], target)
		mb.p.HandRaised = false
		r.restrict(mb)
		r.broadcast(ParticipantUpdated{Participant: mb.p})
		r.notifyTargetAndModerators(mb, MediaRejected{ID: target, Media: kind, By: self.p.ID, Approved: r.av.list(kind)})
		return nil, nil
	})
}

// notifyTargetAndModerators sends n to mb and to every moderator (once
// to mb if it is one). Called with r.mu held.
func (r *Room) notifyTargetAndModerators(mb *member, n Notice) {
	if !mb.p.Moderator() {
		mb.conn.Notify(n)
	}
	r.notifyModerators(n)
}
