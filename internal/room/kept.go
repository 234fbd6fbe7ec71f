package room

import "context"

// Kept is what a room's moderators set that outlives the node hosting it:
// in a cluster, when that node is lost or drained, the room starts again on
// another node with it (docs/cascading.md, "Drain and loss"). Config.Keep
// receives it after every change; the provisioner gives it back as
// Settings when the room is created again.
type Kept struct {
	Subject  string `json:"subject,omitempty"`
	Lobby    bool   `json:"lobby,omitempty"`
	Password string `json:"password,omitempty"`
	// Continuation, after a handover (Manager.HandOver), is the meeting
	// to go on with.
	Continuation *Continuation `json:"continuation,omitempty"`
	// Recording and Transcribe say the meeting was being recorded (and
	// was to be transcribed), Stream where it was streamed live to, sealed
	// (its node sets them): where the meeting goes on, they start again
	// from the first participant back.
	Recording  bool   `json:"recording,omitempty"`
	Transcribe bool   `json:"transcribe,omitempty"`
	Stream     string `json:"stream,omitempty"`
}

// Apply lays k over a room's provisioned settings.
func (k Kept) Apply(s Settings) Settings {
	s.Subject, s.Lobby, s.Password = k.Subject, k.Lobby, k.Password
	s.Continue = k.Continuation
	return s
}

// keep hands the room's Kept to Config.Keep after a moderator changed it;
// changes reach it in the order they were made.
func (r *Room) keep(ctx context.Context) {
	if r.m.cfg.Keep == nil {
		return
	}
	r.keepMu.Lock()
	defer r.keepMu.Unlock()
	r.mu.Lock()
	if r.closed && !r.handedOver { // ended: what it kept is forgotten
		r.mu.Unlock()
		return
	}
	k, key := r.kept(), r.info.Key
	r.mu.Unlock()
	r.m.cfg.Keep(ctx, key, k)
}

// kept is what the room keeps now: with Config.KeepMeetings, the meeting
// too, for ResumeWindow. Called with r.mu held.
func (r *Room) kept() Kept {
	k := Kept{Subject: r.info.Subject, Lobby: r.info.Lobby, Password: r.password, Continuation: r.handedTo}
	now := r.m.cfg.Now()
	if k.Continuation == nil && r.m.cfg.KeepMeetings {
		k.Continuation = r.continuation(now.Add(r.m.cfg.ResumeWindow).UTC(), false)
	}
	r.keptAt, r.keptVersion = now, r.version()
	return k
}

// version changes whenever the room does.
func (r *Room) version() uint64 { return r.order.issued + r.updates }

// KeepChanged writes out, through Config.Keep, each room that changed
// since it was last kept, or whose kept meeting is half way to lapsing
// (Config.KeepMeetings: a cluster calls it every few seconds). A room
// handed over or ended is not written again.
func (m *Manager) KeepChanged(ctx context.Context) {
	if m.cfg.Keep == nil {
		return
	}
	m.mu.Lock()
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		stale := r.version() != r.keptVersion || m.cfg.Now().Sub(r.keptAt) > m.cfg.ResumeWindow/2
		skip := r.closed || r.handedOver || !stale
		r.mu.Unlock()
		if !skip {
			r.keep(ctx)
		}
	}
}

// keepAfter is f (a moderator's change to what Kept holds), then keep if
// it succeeded.
func (ms *Membership) keepAfter(ctx context.Context, f func() error) error {
	if err := f(); err != nil {
		return err
	}
	ms.room.keep(ctx)
	return nil
}

// HandOver prepares every room of this node to go on on another (the node
// is being drained): what each keeps and its meeting (Continuation, with
// the participants whose connections can resume: Resumer) are written out
// through Config.Keep, and the room's end here, once its participants
// have reconnected elsewhere, is marked HandedOver, as are their leaves.
// It returns the rooms' keys.
func (m *Manager) HandOver(ctx context.Context) []Key {
	m.mu.Lock()
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	keys := make([]Key, 0, len(rooms))
	for _, r := range rooms {
		r.mu.Lock()
		if !r.handedOver {
			r.handedOver = true
			r.handedTo = r.continuation(m.cfg.Now().Add(m.cfg.ResumeWindow).UTC(), true)
		}
		keys = append(keys, r.info.Key)
		r.mu.Unlock()
		r.keep(ctx)
	}
	return keys
}
