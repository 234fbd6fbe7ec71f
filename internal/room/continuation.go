package room

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"time"
)

// DefaultResumeWindow is how long, from the handover (or, its node lost,
// from the meeting's last write), a meeting that goes on on another node
// waits for its participants to come back (Config.ResumeWindow).
const DefaultResumeWindow = time.Minute

// Continuation is a meeting's state, handed to the node that continues it
// when its node is drained (Manager.HandOver) or lost (Config.KeepMeetings,
// KeepChanged): the meeting keeps its id and
// start, its chat log, polls, reactions, speaker times, audio/video
// moderation, follow-me and breakout rooms, and each participant who
// comes back with its resume ticket keeps its id, role and breakout room,
// without the lobby or the password. For the analytics and webhooks it is
// one meeting: the events of the move are marked HandedOver.
type Continuation struct {
	MeetingID string    `json:"meetingId"`
	CreatedAt time.Time `json:"createdAt"`
	// Until is when the continuation lapses: a room created later starts a
	// new meeting (with what the room kept).
	Until        time.Time                `json:"until"`
	Chat         []ChatMessage            `json:"chat,omitempty"`
	ChatOmitted  int                      `json:"chatOmitted,omitempty"`
	Reactions    []ReactionRecord         `json:"reactions,omitempty"`
	Polls        []Poll                   `json:"polls,omitempty"`
	Speaking     map[string]time.Duration `json:"speaking,omitempty"`
	Seen         map[string]Participant   `json:"seen,omitempty"`
	Active       map[string]bool          `json:"active,omitempty"`
	AV           AVModeration             `json:"av"`
	FollowMe     FollowMe                 `json:"followMe"`
	Breakouts    []CarriedBreakout        `json:"breakouts,omitempty"`
	BreakoutSeq  int                      `json:"breakoutSeq,omitempty"`
	Participants []Carried                `json:"participants,omitempty"`
}

// CarriedBreakout is a breakout room of a Continuation.
type CarriedBreakout struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	MeetingID string    `json:"meetingId,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// Carried is a participant of a Continuation, known by its resume ticket.
type Carried struct {
	// Ticket is the SHA-256 of the participant's resume ticket, in hex
	// (the cluster store never holds a ticket itself); "" for a client
	// that cannot resume (its session ends when the window does).
	Ticket string `json:"ticket"`
	// Participant is the participant with every field, as events are
	// recorded (what its leave says if it does not come back).
	Participant participantRecord `json:"participant"`
}

// Resumer is a Conn whose client can come back to its meeting on another
// node: when let in, it is given a ticket to join there with
// (JoinRequest.Resume). Clients that cannot (Jitsi's) join there as anyone
// else does.
type Resumer interface {
	Conn
	Resume(ticket string)
}

func hashTicket(ticket string) string {
	h := sha256.Sum256([]byte(ticket))
	return hex.EncodeToString(h[:])
}

// issueTicket gives mb's connection, if it can resume, a new resume
// ticket. Called with r.mu held.
func (r *Room) issueTicket(mb *member) {
	mb.ticket = ""
	if res, ok := mb.conn.(Resumer); ok {
		ticket := rand.Text()
		mb.ticket = hashTicket(ticket)
		res.Resume(ticket)
	}
}

// continuation is the room's meeting as a Continuation valid until until.
// A handover (handing) carries the participants who can come back (their
// connections have tickets) and marks them handed: the others leave here.
// Otherwise (the meeting kept in case its node is lost) it carries
// everyone: those without a ticket leave on the next node when the window
// ends. Called with r.mu held.
func (r *Room) continuation(until time.Time, handing bool) *Continuation {
	if handing {
		r.noteSpeaker("", r.m.cfg.Now()) // the current speaker's time so far
	}
	// Copies: Config.Keep encodes it outside the room's lock.
	c := &Continuation{MeetingID: r.info.MeetingID, CreatedAt: r.info.CreatedAt, Until: until,
		Reactions: slices.Clone(r.reactions), Speaking: maps.Clone(r.speaking), Seen: maps.Clone(r.seen),
		Active: maps.Clone(r.active), AV: r.avSnapshot(), FollowMe: r.follow, BreakoutSeq: r.breakoutSeq}
	c.Chat, c.ChatOmitted = r.publicChat(handing)
	c.ChatOmitted += r.chatOmitted
	for _, p := range r.polls {
		c.Polls = append(c.Polls, p.snapshot())
	}
	for _, b := range r.breakouts {
		c.Breakouts = append(c.Breakouts, CarriedBreakout{ID: b.id, Name: b.name, MeetingID: b.meetingID, CreatedAt: b.createdAt})
	}
	if handing {
		r.handed = map[string]bool{}
	}
	for _, all := range []map[string]*member{r.members, r.visitors} {
		for id, mb := range all {
			if handing && mb.ticket == "" {
				continue
			}
			c.Participants = append(c.Participants, Carried{Ticket: mb.ticket, Participant: toRecord(mb.p)})
			if handing {
				r.handed[id] = true
			}
		}
	}
	if !handing {
		for _, p := range r.carried { // not back yet from the node before
			c.Participants = append(c.Participants, p)
		}
	}
	return c
}

// MaxKeptChat bounds the chat log a meeting kept against its node's loss
// carries (the last messages, in bytes of text): it is written again at
// every change. A handover carries it all.
const MaxKeptChat = 64 << 10

// publicChat is the chat log's public messages (private ones stay private
// to the node that carried them): all of them, or the last MaxKeptChat
// bytes and how many were left out. Called with r.mu held.
func (r *Room) publicChat(all bool) ([]ChatMessage, int) {
	var out []ChatMessage
	size, omitted := 0, 0
	for i := len(r.chat) - 1; i >= 0; i-- {
		m := r.chat[i]
		switch {
		case m.To != "":
		case !all && size+len(m.Text) > MaxKeptChat:
			omitted++
		default:
			size += len(m.Text)
			out = append(out, m)
		}
	}
	slices.Reverse(out)
	return out, omitted
}

// continueFrom makes a new room the meeting c continues. Called before
// the room is shared.
func (r *Room) continueFrom(c *Continuation) {
	r.continued, r.resumeUntil = true, c.Until
	r.info.MeetingID, r.info.CreatedAt = c.MeetingID, c.CreatedAt
	r.chatOmitted, r.reactions = c.ChatOmitted, c.Reactions
	for _, m := range c.Chat {
		r.chat = append(r.chat, m)
		r.chatBytes += len(m.Text)
	}
	for _, p := range c.Polls {
		r.polls = append(r.polls, &poll{p})
	}
	r.speaking, r.seen, r.active = c.Speaking, c.Seen, c.Active
	if r.seen == nil {
		r.seen, r.active = map[string]Participant{}, map[string]bool{}
	}
	if r.active == nil {
		r.active = map[string]bool{}
	}
	r.avRestore(c.AV)
	r.follow = c.FollowMe
	r.breakoutSeq = c.BreakoutSeq
	for _, b := range c.Breakouts {
		r.breakouts = append(r.breakouts, &breakout{id: b.ID, name: b.Name, meetingID: b.MeetingID, createdAt: b.CreatedAt})
	}
	r.carried = map[string]Carried{}
	for _, p := range c.Participants {
		r.carried[p.Participant.ID] = p
	}
}

// resume takes the participant a ticket names, if it is still awaited
// and was the same user (a token's user id, when it had one). Called with
// r.mu held.
func (r *Room) resume(ticket, userID string) (Carried, bool) {
	if ticket == "" || len(r.carried) == 0 {
		return Carried{}, false
	}
	h := hashTicket(ticket)
	for id, c := range r.carried {
		if c.Ticket == h && c.Participant.UserID == userID {
			delete(r.carried, id)
			return c, true
		}
	}
	return Carried{}, false
}

// expireCarried ends the sessions of the participants who did not come
// back in time: they left (unknown), as a dropped connection does.
func (r *Room) expireCarried(ctx context.Context) {
	r.mu.Lock()
	events := r.leaveCarried()
	ticket := r.order.take()
	r.mu.Unlock()
	r.emitInOrder(ctx, ticket, events)
}

// leaveCarried is the leave of every participant still awaited. Called
// with r.mu held.
func (r *Room) leaveCarried() []Event {
	var events []Event
	for id, c := range r.carried {
		p := c.Participant.participant()
		events = append(events, r.leaveEvent(ParticipantLeft, &p, LeftUnknown))
		delete(r.carried, id)
	}
	for _, b := range r.breakouts { // breakout rooms nobody came back to end
		events = append(events, r.vacate(b.id)...)
	}
	if r.expiry != nil {
		r.expiry.Stop()
	}
	return events
}

// store shares a new room and returns its RoomCreated; a room continuing
// a meeting handed over says so and starts waiting for its participants.
// Called with m.mu and r.mu held.
func (m *Manager) store(r *Room) Event {
	m.rooms[r.info.Key] = r
	e := r.event(RoomCreated, nil)
	if r.continued {
		e.HandedOver = true
		r.expiry = time.AfterFunc(r.resumeUntil.Sub(m.cfg.Now()), func() { r.expireCarried(context.Background()) })
	}
	return e
}

// rejoin brings back a participant handed over with the meeting, with its
// id, role, join time, raised hand and breakout room, past the password,
// the lobby and the limits it was let in by. Called with m.mu and r.mu held.
func (m *Manager) rejoin(r *Room, created bool, c Carried, req JoinRequest) (*Membership, []Event, error) {
	old, p := c.Participant.participant(), req.Participant
	p.ID, p.JoinedAt, p.PromotedAt, p.HandRaised = old.ID, old.JoinedAt, old.PromotedAt, old.HandRaised
	if r.find(p.ID) != nil {
		return nil, nil, ErrIDTaken
	}
	switch {
	case old.Role == RoleModerator || p.Role == RoleModerator: // granted there, or by the token
		p.Role = RoleModerator
	case old.Role == RoleVisitor:
		p.Role = RoleVisitor
	default:
		p.Role = RoleParticipant
	}
	p.Breakout = ""
	if _, err := r.breakout(old.Breakout); err == nil && old.Breakout != "" {
		p.Breakout = old.Breakout
	}
	var events []Event
	if created {
		events = append(events, m.store(r))
	}
	mb := &member{p: p, conn: req.Conn}
	var evs []Event
	if p.Role == RoleVisitor {
		var err error
		if evs, err = r.addVisitor(mb); err != nil {
			if created { // nobody in it: not shared after all
				delete(m.rooms, r.info.Key)
				r.expiry.Stop()
				return nil, nil, err
			}
			return nil, events, err
		}
	} else {
		evs = r.admit(mb)
	}
	for i := range evs {
		evs[i].HandedOver = true
	}
	return &Membership{room: r, id: p.ID}, append(events, evs...), nil
}
