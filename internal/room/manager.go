package room

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Settings are a new room's initial settings, from provisioning.
type Settings struct {
	Lobby    bool
	Password string
	// Subject is the meeting's subject (a room started again: Kept).
	Subject string
	// MaxOccupants caps the participants (0: the manager's default).
	MaxOccupants int
	// AutoRecord records the meeting from its first join (compliance).
	AutoRecord bool
	// VisitorsEnabled lets joiners beyond ParticipantsSoftLimit (or the
	// room's limit) in as visitors (visitors.go); ParticipantsSoftLimit 0:
	// only beyond the limit.
	VisitorsEnabled       bool
	ParticipantsSoftLimit int
	// Continue, if set, is the meeting this room goes on with (its node was
	// drained or lost: Continuation), until Continue.Until.
	Continue *Continuation
}

// Provisioner gives a room its settings before it is created (JaaS's
// SETTINGS_PROVISIONING). An error means defaults.
type Provisioner interface {
	Provision(ctx context.Context, key Key) (Settings, error)
}

// Config configures a Manager.
type Config struct {
	Events      Events
	Provisioner Provisioner
	// Now is the clock; default time.Now.
	Now func() time.Time
	// MaxParticipants per room, lobby excluded; default 100.
	MaxParticipants int
	// MaxChatLog and MaxChatLogBytes bound the chat a meeting keeps for
	// its log (messages, and bytes of text); default 1,000 and 1 MiB.
	// Beyond, messages are still delivered but only counted.
	MaxChatLog      int
	MaxChatLogBytes int
	// MaxVisitors bounds a room's visitors; default DefaultMaxVisitors.
	MaxVisitors int
	// Keep, if set, receives a room's Kept after a moderator changed it.
	Keep func(ctx context.Context, key Key, k Kept)
	// KeepMeetings (a cluster) has Kept carry each meeting's Continuation
	// too, written by KeepChanged, so that a meeting whose node is lost
	// goes on on another with its participants.
	KeepMeetings bool
	// ResumeWindow is how long, from a handover, the participants handed
	// over with a meeting have to come back; default DefaultResumeWindow.
	ResumeWindow time.Duration
	Logger       *slog.Logger
}

// Manager holds every live room of this node.
type Manager struct {
	cfg   Config
	mu    sync.Mutex
	rooms map[Key]*Room
}

// NewManager returns an empty Manager.
func NewManager(cfg Config) *Manager {
	if cfg.Events == nil {
		cfg.Events = Discard
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.MaxParticipants = cmp.Or(cfg.MaxParticipants, 100)
	cfg.MaxChatLog = cmp.Or(cfg.MaxChatLog, 1000)
	cfg.MaxChatLogBytes = cmp.Or(cfg.MaxChatLogBytes, 1<<20)
	cfg.ResumeWindow = cmp.Or(cfg.ResumeWindow, DefaultResumeWindow)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	return &Manager{cfg: cfg, rooms: map[Key]*Room{}}
}

// Room is one live conference.
type Room struct {
	m      *Manager
	keepMu sync.Mutex // orders calls of Config.Keep (kept.go)
	mu     sync.Mutex
	// handedOver: the room goes on on another node (kept.go), as
	// handedTo; handed are the participants carried in it (their clients
	// can resume), whose leaves here are marked HandedOver.
	handedOver bool
	handedTo   *Continuation
	handed     map[string]bool
	// continued: the room goes on with a meeting from another node
	// (continuation.go); carried are its participants not back yet, by
	// participant id, until resumeUntil (expiry).
	continued   bool
	carried     map[string]Carried
	resumeUntil time.Time
	expiry      *time.Timer
	// updates counts changes that emit no event (media state, hands);
	// keptAt and keptVersion are when and at which version (version) the
	// room last reached Config.Keep.
	updates     uint64
	keptAt      time.Time
	keptVersion uint64
	info        Info
	password    string
	maxOcc      int
	members     map[string]*member
	lobby       map[string]*member
	// visitors watch only (visitors.go), when visitorsOn; softLimit is
	// the participants beyond which joiners are visitors (0: the limit).
	visitors   map[string]*member
	visitorsOn bool
	softLimit  int
	chat       []ChatMessage
	// chatBytes is the text kept in chat; chatOmitted counts the
	// messages not kept once it was full.
	chatBytes   int
	chatOmitted int
	closed      bool
	// ending is set when a moderator ends the meeting: joins from then on
	// start a new meeting rather than join this one.
	ending bool
	// speaking accumulates dominant-speaker time; seen keeps everyone who
	// was a member, for the stats at the end.
	speaking     map[string]time.Duration
	speaker      string
	speakerSince time.Time
	seen         map[string]Participant
	active       map[string]bool
	// polls are the meeting's polls, oldest first (polls.go); reactions
	// its reactions, for the end (reactions.go).
	polls     []*poll
	reactions []ReactionRecord
	// breakouts are the meeting's breakout rooms, oldest first
	// (breakout.go); breakoutSeq numbers their default names.
	breakouts   []*breakout
	breakoutSeq int
	// av is the audio/video moderation (avmoderation.go).
	av avState
	// follow is follow-me's state (followme.go).
	follow FollowMe
	// order makes the room's events leave in the order its state changed,
	// although they are emitted outside its lock.
	order eventOrder
}

type member struct {
	p    Participant
	conn Conn
	// ticket is the SHA-256 (hex) of the resume ticket its connection was
	// given (Resumer); "" for a connection that cannot resume.
	ticket string
}

// JoinRequest asks to enter a room.
type JoinRequest struct {
	Key Key
	// Participant describes the joiner; ID and JoinedAt are filled in.
	Participant Participant
	Password    string
	// LobbyBypass lets the joiner skip an enabled lobby.
	LobbyBypass bool
	// ID, if set, is the participant id the client chose (a Jitsi
	// client's MUC nick, its endpoint id); ErrIDTaken when in use.
	// Empty: a new one.
	ID   string
	Conn Conn
	// CanVisit: the client can watch as a visitor (the meeting page, the
	// Go client); without it a join beyond the limit is refused as before.
	CanVisit bool
	// Visitor: the client comes to watch (a Jitsi client WouldVisit sent to
	// the visitors' node); it joins as a visitor while the room has
	// visitors on, whatever the count.
	Visitor bool
	// Resume is the ticket a participant of a meeting that went on here
	// from another node was given there (Resumer): it comes back as it was.
	Resume string
}

// Membership is a participant's handle on the room it joined (or whose
// lobby it waits in). Every action of that participant goes through it.
type Membership struct {
	room *Room
	id   string
}

// ID is the participant's id.
func (ms *Membership) ID() string { return ms.id }

// Room returns the room.
func (ms *Membership) Room() *Room { return ms.room }

// Join enters the room named by req.Key, creating it if needed. When the
// room's lobby is on and the joiner may not bypass it, the participant
// waits in the lobby: InLobby reports it and Conn later gets Admitted or
// Denied.
func (m *Manager) Join(ctx context.Context, req JoinRequest) (*Membership, error) {
	var (
		events []Event
		r      *Room
		ticket uint64
	)
	defer func() {
		if r != nil {
			r.emitInOrder(ctx, ticket, events)
		}
	}()
	settings := m.provision(ctx, req.Key)
	m.mu.Lock()
	defer m.mu.Unlock()
	room := m.rooms[req.Key]
	if room != nil && room.isEnding() {
		room = nil // its meeting was ended: this join starts the next one
	}
	created := room == nil
	if created {
		room = &Room{m: m, members: map[string]*member{}, lobby: map[string]*member{}, info: Info{
			Key: req.Key, MeetingID: uuid.NewString(), Name: req.Key.Name, CreatedAt: m.cfg.Now().UTC(),
			Lobby: settings.Lobby, HasPassword: settings.Password != "", AutoRecord: settings.AutoRecord, Subject: settings.Subject,
		}, password: settings.Password, maxOcc: settings.MaxOccupants, visitorsOn: settings.VisitorsEnabled, softLimit: settings.ParticipantsSoftLimit}
		if c := settings.Continue; c != nil && m.cfg.Now().Before(c.Until) {
			room.continueFrom(c)
		}
	}
	room.mu.Lock()
	defer room.mu.Unlock()
	r, ticket = room, room.order.take()
	if c, ok := r.resume(req.Resume, req.Participant.UserID); ok {
		var ms *Membership
		var err error
		ms, events, err = m.rejoin(r, created, c, req)
		return ms, err
	}
	p := req.Participant
	p.ID = cmp.Or(req.ID, newParticipantID())
	p.Breakout = "" // everyone enters the main room
	if r.find(p.ID) != nil {
		return nil, ErrIDTaken
	}
	p.JoinedAt = m.cfg.Now().UTC()
	if p.Role == RoleUnknown {
		p.Role = RoleParticipant
	}
	if r.password != "" && !p.Moderator() {
		switch {
		case req.Password == "":
			return nil, ErrPasswordRequired
		case subtle.ConstantTimeCompare([]byte(req.Password), []byte(r.password)) != 1:
			return nil, ErrPasswordWrong
		}
	}
	limit := cmp.Or(r.maxOcc, m.cfg.MaxParticipants)
	waits := r.info.Lobby && !p.Moderator() && !req.LobbyBypass
	visits := req.CanVisit && !waits && r.becomesVisitor(&p, limit) // the lobby first: a moderator lets people in
	if visits || (req.Visitor && !waits && r.visitorsOn && !p.Moderator()) {
		evs, err := r.addVisitor(&member{p: p, conn: req.Conn})
		if err != nil {
			return nil, err
		}
		events = append(events, evs...)
		return &Membership{room: r, id: p.ID}, nil
	}
	if len(r.members) >= limit {
		return nil, fmt.Errorf("%w: it has its maximum of %d participants", ErrFull, limit)
	}
	if created { // only now: a refused first joiner leaves no room behind
		events = append(events, m.store(r))
	}
	mb := &member{p: p, conn: req.Conn}
	if waits {
		r.lobby[p.ID] = mb
		events = append(events, r.event(ParticipantJoinedLobby, &p))
		r.notifyModerators(Knocking{Participant: p})
		return &Membership{room: r, id: p.ID}, nil
	}
	events = append(events, r.admit(mb)...)
	return &Membership{room: r, id: p.ID}, nil
}

// provision asks the provisioner for a room that does not exist yet,
// without holding the manager's lock (the request may take seconds).
func (m *Manager) provision(ctx context.Context, key Key) Settings {
	if m.cfg.Provisioner == nil {
		return Settings{}
	}
	m.mu.Lock()
	_, exists := m.rooms[key]
	m.mu.Unlock()
	if exists {
		return Settings{}
	}
	s, err := m.cfg.Provisioner.Provision(ctx, key)
	if err != nil {
		m.cfg.Logger.WarnContext(ctx, "room provisioning failed; using defaults", "room", key.String(), "err", err)
		return Settings{}
	}
	return s
}

// admit makes mb a member and tells everyone. Called with r.mu held.
func (r *Room) admit(mb *member) []Event {
	r.restrictQuietly(mb)
	for _, o := range r.members {
		if o.p.Breakout == mb.p.Breakout {
			o.conn.Notify(ParticipantJoinedNotice{Participant: mb.p})
		}
	}
	if mb.p.Breakout == "" {
		r.notifyVisitors(ParticipantJoinedNotice{Participant: mb.p})
	}
	r.members[mb.p.ID] = mb
	r.issueTicket(mb)
	r.breakoutsChanged()
	if r.seen == nil {
		r.seen = map[string]Participant{}
		r.active = map[string]bool{}
	}
	r.seen[mb.p.ID] = mb.p
	e := r.event(ParticipantJoined, &mb.p)
	if len(r.members) >= 2 {
		for _, p := range r.participants() {
			if !r.active[p.ID] {
				r.active[p.ID] = true
				e.Active = append(e.Active, p)
			}
		}
	}
	return []Event{e}
}

// InLobby reports whether the participant waits in the lobby.
func (ms *Membership) InLobby() bool {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.lobby[ms.id]
	return ok
}

// Self returns the participant's current state.
func (ms *Membership) Self() (Participant, bool) {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if mb := r.find(ms.id); mb != nil {
		return mb.p, true
	}
	return Participant{}, false
}

// Snapshot returns the room's info and its members, in join order.
func (r *Room) Snapshot() (Info, []Participant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info, r.participants()
}

func (r *Room) participants() []Participant {
	out := make([]Participant, 0, len(r.members))
	for _, mb := range r.members {
		out = append(out, mb.p)
	}
	slices.SortFunc(out, func(a, b Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return out
}

// Info returns the room's info.
func (r *Room) Info() Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.info
}

// Leave takes the participant out of the room (or its lobby). The room is
// destroyed when its last member leaves. Leaving twice is harmless.
func (ms *Membership) Leave(ctx context.Context, reason LeaveReason) {
	r := ms.room
	r.mu.Lock()
	events := r.remove(ms.id, reason)
	ticket := r.order.take()
	r.mu.Unlock()
	r.emitInOrder(ctx, ticket, events)
	r.m.destroyIfEmpty(ctx, r)
}

// remove drops a member or lobby waiter. Called with r.mu held.
func (r *Room) remove(id string, reason LeaveReason) []Event {
	events := r.drop(id, reason)
	if r.handed[id] && reason == LeftSwitchRoom { // it goes on with the meeting on another node
		for i := range events {
			events[i].HandedOver = true
		}
	}
	return events
}

// drop is remove without marking a handover. Called with r.mu held.
func (r *Room) drop(id string, reason LeaveReason) []Event {
	if mb, ok := r.lobby[id]; ok {
		delete(r.lobby, id)
		r.notifyModerators(KnockingGone{ID: id})
		return []Event{r.leaveEvent(ParticipantLeftLobby, &mb.p, reason)}
	}
	if events, ok := r.removeVisitor(id, reason); ok {
		return events
	}
	mb, ok := r.members[id]
	if !ok {
		return nil
	}
	delete(r.members, id)
	for _, o := range r.members {
		if o.p.Breakout == mb.p.Breakout {
			o.conn.Notify(ParticipantLeftNotice{ID: id, Reason: reason})
		}
	}
	if mb.p.Breakout == "" {
		r.notifyVisitors(ParticipantLeftNotice{ID: id, Reason: reason})
	}
	r.breakoutsChanged()
	r.followLeft(id)
	return append([]Event{r.leaveEvent(ParticipantLeft, &mb.p, reason)}, r.vacate(mb.p.Breakout)...)
}

func (m *Manager) destroyIfEmpty(ctx context.Context, r *Room) {
	var events []Event
	m.mu.Lock()
	r.mu.Lock()
	if len(r.members) == 0 && !r.closed {
		r.closed = true
		for id, mb := range r.lobby {
			mb.conn.Notify(Ended{})
			events = append(events, r.leaveEvent(ParticipantLeftLobby, &mb.p, LeftMeetingEnded))
			delete(r.lobby, id)
		}
		for id, mb := range r.visitors { // nobody left to watch
			mb.conn.Notify(Ended{})
			events = append(events, r.leaveEvent(ParticipantLeft, &mb.p, LeftMeetingEnded))
			delete(r.visitors, id)
		}
		if m.rooms[r.info.Key] == r {
			delete(m.rooms, r.info.Key)
		}
		for _, b := range r.breakouts { // ended with the meeting
			if b.meetingID != "" {
				events = append(events, r.endBreakout(b))
			}
		}
		events = append(events, r.leaveCarried()...) // not back: they left
		end := r.event(RoomDestroyed, nil)
		end.HandedOver = r.handedOver
		r.noteSpeaker("", end.Time)
		for _, c := range r.chat {
			if c.To == "" {
				end.ChatLog = append(end.ChatLog, c)
			}
		}
		end.ChatOmitted = r.chatOmitted
		end.Reactions = r.reactions
		for id, d := range r.speaking {
			end.SpeakerStats = append(end.SpeakerStats, SpeakerStat{Participant: r.seen[id], Time: d})
		}
		slices.SortFunc(end.SpeakerStats, func(a, b SpeakerStat) int { return int(b.Time - a.Time) })
		events = append(events, end)
	}
	ticket := r.order.take()
	closed := r.closed
	r.mu.Unlock()
	m.mu.Unlock()
	if closed {
		// A write of what the room keeps still under way lands before its
		// end is told (which forgets it, unless handed over): later ones
		// see the room closed.
		r.keepMu.Lock()
		//lint:ignore SA2001 an empty critical section is the barrier wanted
		r.keepMu.Unlock()
	}
	r.emitInOrder(ctx, ticket, events)
}

// SetDominantSpeaker records who speaks now (from the media), for the
// speaker statistics at the end of the meeting.
func (r *Room) SetDominantSpeaker(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noteSpeaker(id, r.m.cfg.Now())
}

// noteSpeaker closes the current speaker's turn and starts id's. Called with r.mu held.
func (r *Room) noteSpeaker(id string, now time.Time) {
	if r.speaker != "" {
		if r.speaking == nil {
			r.speaking = map[string]time.Duration{}
		}
		r.speaking[r.speaker] += now.Sub(r.speakerSince)
	}
	r.speaker, r.speakerSince = id, now
}

// isEnding says whether a moderator has ended the room's meeting.
func (r *Room) isEnding() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ending
}

// Load counts the live rooms and their participants (lobby included).
func (m *Manager) Load() (rooms, participants int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rooms {
		r.mu.Lock()
		participants += len(r.members) + len(r.lobby) + len(r.visitors)
		r.mu.Unlock()
	}
	return len(m.rooms), participants
}

// Rooms returns the live rooms' infos.
func (m *Manager) Rooms() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Info, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r.Info())
	}
	return out
}

func (r *Room) find(id string) *member {
	if mb, ok := r.members[id]; ok {
		return mb
	}
	if mb, ok := r.visitors[id]; ok {
		return mb
	}
	return r.lobby[id]
}

func (r *Room) notifyModerators(n Notice) {
	for _, mb := range r.members {
		if mb.p.Moderator() {
			mb.conn.Notify(n)
		}
	}
}

// broadcast tells every member, or those in the room of the meeting the
// notice is for (scope).
func (r *Room) broadcast(n Notice) {
	where, scoped := r.scope(n)
	for _, mb := range r.members {
		if !scoped || mb.p.Breakout == where {
			mb.conn.Notify(n)
		}
	}
	if !scoped || where == "" { // visitors watch the main room
		r.notifyVisitors(n)
	}
}

func newParticipantID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
