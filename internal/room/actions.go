package room

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MediaState is what a participant says about its own media.
type MediaState struct {
	AudioMuted    bool
	VideoMuted    bool
	ScreenSharing bool
}

// SetMedia records the participant's mute and screen-share state. It
// refuses (ErrForceMuted) to unmute what audio/video moderation forbids.
func (ms *Membership) SetMedia(s MediaState) error {
	return ms.updateIf(func(r *Room, p *Participant) error {
		if err := r.mayUnmute(p, s); err != nil {
			return err
		}
		p.AudioMuted, p.VideoMuted, p.ScreenSharing = s.AudioMuted, s.VideoMuted, s.ScreenSharing
		return nil
	})
}

// RaiseHand raises or lowers the participant's hand.
func (ms *Membership) RaiseHand(raised bool) error {
	return ms.update(func(p *Participant) { p.HandRaised = raised })
}

// SetName changes the participant's display name.
func (ms *Membership) SetName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return fmt.Errorf("%w: a display name has 1 to 100 characters", ErrInvalid)
	}
	return ms.update(func(p *Participant) { p.Name = name })
}

func (ms *Membership) update(f func(*Participant)) error {
	return ms.updateIf(func(_ *Room, p *Participant) error { f(p); return nil })
}

// updateIf changes the participant with f, unless f refuses.
func (ms *Membership) updateIf(f func(*Room, *Participant) error) error {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	mb, ok := r.members[ms.id]
	if !ok {
		return ErrNoParticipant
	}
	if err := f(r, &mb.p); err != nil {
		return err
	}
	r.updates++
	r.broadcast(ParticipantUpdated{Participant: mb.p})
	return nil
}

// Chat sends a message to everyone, or privately to one participant.
func (ms *Membership) Chat(ctx context.Context, to, text string) error {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return fmt.Errorf("%w: empty chat message", ErrInvalid)
	case len(text) > MaxChatLen:
		return fmt.Errorf("%w: chat message is %d bytes, at most %d", ErrInvalid, len(text), MaxChatLen)
	case !utf8.ValidString(text):
		return fmt.Errorf("%w: chat message is not UTF-8", ErrInvalid)
	}
	r := ms.room
	r.mu.Lock()
	from, ok := r.members[ms.id]
	if !ok {
		_, visitor := r.visitors[ms.id]
		r.mu.Unlock()
		if visitor {
			return ErrVisitor
		}
		return ErrNoParticipant
	}
	msg := ChatMessage{From: ms.id, FromName: from.p.Name, To: to, Text: text, Time: r.m.cfg.Now().UTC()}
	if to != "" {
		target, ok := r.members[to]
		if !ok || to == ms.id {
			r.mu.Unlock()
			return fmt.Errorf("%w: private message to %q", ErrNoParticipant, to)
		}
		target.conn.Notify(Chat{Message: msg, Private: true})
		from.conn.Notify(Chat{Message: msg, Private: true})
	} else {
		r.broadcast(Chat{Message: msg})
	}
	r.keepChat(msg)
	e := r.event(ChatSent, &from.p)
	e.Chat = &msg
	ticket := r.order.take()
	r.mu.Unlock()
	r.emitInOrder(ctx, ticket, []Event{e})
	return nil
}

// keepChat adds msg to the chat log while it is within its bounds, and
// counts it otherwise. Called with r.mu held.
func (r *Room) keepChat(msg ChatMessage) {
	cfg := r.m.cfg
	if len(r.chat) >= cfg.MaxChatLog || r.chatBytes+len(msg.Text) > cfg.MaxChatLogBytes {
		r.chatOmitted++
		return
	}
	r.chat = append(r.chat, msg)
	r.chatBytes += len(msg.Text)
}

// ChatLog returns the room's chat so far (as much as it keeps).
func (r *Room) ChatLog() []ChatMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ChatMessage(nil), r.chat...)
}

// moderate runs f for a moderator of the room, with the lock held, and
// emits the events it returns.
func (ms *Membership) moderate(ctx context.Context, f func(r *Room, self *member) ([]Event, error)) error {
	r := ms.room
	r.mu.Lock()
	self, ok := r.members[ms.id]
	if !ok {
		r.mu.Unlock()
		return ErrNoParticipant
	}
	if !self.p.Moderator() {
		r.mu.Unlock()
		return ErrNotModerator
	}
	events, err := f(r, self)
	ticket := r.order.take()
	r.mu.Unlock()
	r.emitInOrder(ctx, ticket, events)
	if err == nil {
		r.m.destroyIfEmpty(ctx, r)
	}
	return err
}

func (r *Room) member(id string) (*member, error) {
	if mb, ok := r.members[id]; ok {
		return mb, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoParticipant, id)
}

// Mute mutes a participant's "audio" or "video": the room records it and asks
// the participant's client to mute; the connection stops forwarding it.
func (ms *Membership) Mute(ctx context.Context, target, kind string) error {
	if kind != "audio" && kind != "video" {
		return fmt.Errorf("%w: kind %q is not audio or video", ErrInvalid, kind)
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		r.mute(mb, kind, self.p.ID)
		return nil, nil
	})
}

// MuteAll mutes everyone but the moderator who asks.
func (ms *Membership) MuteAll(ctx context.Context, kind string) error {
	if kind != "audio" && kind != "video" {
		return fmt.Errorf("%w: kind %q is not audio or video", ErrInvalid, kind)
	}
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		for id, mb := range r.members {
			if id != self.p.ID {
				r.mute(mb, kind, self.p.ID)
			}
		}
		return nil, nil
	})
}

func (r *Room) mute(mb *member, kind, by string) {
	if kind == "audio" {
		mb.p.AudioMuted = true
	} else {
		mb.p.VideoMuted = true
	}
	mb.conn.Notify(RemoteMute{Media: kind, By: by})
	r.broadcast(ParticipantUpdated{Participant: mb.p})
}

// Kick removes a participant from the meeting.
func (ms *Membership) Kick(ctx context.Context, target string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		if target == self.p.ID {
			return nil, fmt.Errorf("%w: a moderator cannot remove themselves; leave instead", ErrInvalid)
		}
		mb.conn.Notify(Kicked{By: self.p.ID})
		events := r.remove(target, LeftKicked)
		for i := range events {
			events[i].By = self.p.ID
		}
		return events, nil
	})
}

// GrantModerator makes a participant a moderator.
func (ms *Membership) GrantModerator(ctx context.Context, target string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		if mb.p.Moderator() {
			return nil, nil
		}
		mb.p.Role = RoleModerator
		r.restrict(mb) // a moderator is never force-muted
		r.broadcast(ParticipantUpdated{Participant: mb.p})
		for _, w := range r.lobby { // the new moderator sees who knocks
			mb.conn.Notify(Knocking{Participant: w.p})
		}
		e := r.event(RoleChanged, &mb.p)
		e.By = self.p.ID
		return []Event{e}, nil
	})
}

// SetLobby turns the lobby on or off. Turning it off admits everyone waiting.
func (ms *Membership) SetLobby(ctx context.Context, enabled bool) error {
	return ms.keepAfter(ctx, func() error {
		return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
			r.info.Lobby = enabled
			var events []Event
			if !enabled {
				for id := range r.lobby {
					events = append(events, r.admitWaiter(id, self.p.ID)...)
				}
			}
			r.broadcast(RoomUpdated{Room: r.info})
			return events, nil
		})
	})
}

// SetPassword locks the room with a password; "" unlocks it.
func (ms *Membership) SetPassword(ctx context.Context, password string) error {
	if len(password) > 128 {
		return fmt.Errorf("%w: a password has at most 128 characters", ErrInvalid)
	}
	return ms.keepAfter(ctx, func() error {
		return ms.moderate(ctx, func(r *Room, _ *member) ([]Event, error) {
			r.password = password
			r.info.HasPassword = password != ""
			r.broadcast(RoomUpdated{Room: r.info})
			return nil, nil
		})
	})
}

// SetSubject sets the meeting's subject.
func (ms *Membership) SetSubject(ctx context.Context, subject string) error {
	subject = strings.TrimSpace(subject)
	if utf8.RuneCountInString(subject) > 200 {
		return fmt.Errorf("%w: a subject has at most 200 characters", ErrInvalid)
	}
	return ms.keepAfter(ctx, func() error {
		return ms.moderate(ctx, func(r *Room, _ *member) ([]Event, error) {
			r.info.Subject = subject
			r.broadcast(RoomUpdated{Room: r.info})
			return nil, nil
		})
	})
}

// Admit lets a lobby waiter in.
func (ms *Membership) Admit(ctx context.Context, target string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if _, ok := r.lobby[target]; !ok {
			return nil, fmt.Errorf("%w: %q is not in the lobby", ErrNoParticipant, target)
		}
		return r.admitWaiter(target, self.p.ID), nil
	})
}

func (r *Room) admitWaiter(id, by string) []Event {
	mb := r.lobby[id]
	delete(r.lobby, id)
	r.notifyModerators(KnockingGone{ID: id})
	left := r.leaveEvent(ParticipantLeftLobby, &mb.p, LeftNormally)
	left.By = by
	mb.conn.Notify(Admitted{})
	return append([]Event{left}, r.admit(mb)...)
}

// Deny refuses a lobby waiter.
func (ms *Membership) Deny(ctx context.Context, target string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, ok := r.lobby[target]
		if !ok {
			return nil, fmt.Errorf("%w: %q is not in the lobby", ErrNoParticipant, target)
		}
		mb.conn.Notify(Denied{By: self.p.ID})
		events := r.remove(target, LeftKicked)
		for i := range events {
			events[i].By = self.p.ID
		}
		return events, nil
	})
}

// End ends the meeting for everyone.
func (ms *Membership) End(ctx context.Context) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		var events []Event
		r.ending = true
		for id, mb := range r.members {
			mb.conn.Notify(Ended{By: self.p.ID})
			delete(r.members, id)
			e := r.leaveEvent(ParticipantLeft, &mb.p, LeftMeetingEnded)
			e.By = self.p.ID
			events = append(events, e)
		}
		return events, nil
	})
}

// Lobby returns who waits in the lobby.
func (r *Room) Lobby() []Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Participant, 0, len(r.lobby))
	for _, mb := range r.lobby {
		out = append(out, mb.p)
	}
	return out
}
