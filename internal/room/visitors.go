package room

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Visitors (JaaS's visitors mode, a webinar's audience): when the room's
// provisioning enables them, a joiner who is not a moderator beyond the
// room's participant soft limit (participantsSoftLimit), or once it is
// full, joins as a visitor instead: receive-only (its media gated off), not
// in the roster the others see — they see a count — and told of the roster
// as participants are. A visitor may ask to join (raise a hand), which only
// the moderators see; a moderator promotes it to a participant. Visitors
// count in usage as participants do (their join and leave are events).

// ErrVisitor means a visitor may not do that.
var ErrVisitor = errors.New("visitors can watch only: ask to join (raise your hand) and a moderator may let you in")

// DefaultMaxVisitors bounds a room's visitors on one node.
const DefaultMaxVisitors = 1000

// Notices of visitors.
type (
	// VisitorsChanged tells everyone how many visitors watch.
	VisitorsChanged struct {
		Count int `json:"count"`
	}
	// VisitorRequest tells moderators a visitor asks to join, or no longer.
	VisitorRequest struct {
		Participant Participant `json:"participant"`
		Asking      bool        `json:"asking"`
	}
	// Promoted tells a visitor a moderator let it in: it is a participant.
	Promoted struct {
		Participant Participant `json:"participant"`
		By          string      `json:"by"`
	}
)

func (VisitorsChanged) Kind() string { return "visitors" }
func (VisitorRequest) Kind() string  { return "visitorRequest" }
func (Promoted) Kind() string        { return "promoted" }

// becomesVisitor says whether p joins as a visitor: visitors are on, p is
// no moderator, and the room has its soft limit of participants, or its
// limit. Called with r.mu held.
func (r *Room) becomesVisitor(p *Participant, limit int) bool {
	if !r.visitorsOn || p.Moderator() {
		return false
	}
	n := len(r.members)
	return n >= limit || (r.softLimit > 0 && n >= r.softLimit)
}

// WouldVisit reports whether a client that is told to watch elsewhere
// rather than becoming a visitor in place (a Jitsi client, sent to the
// visitors' node) would now be a visitor of the live room key: p is no
// moderator, need not wait in the lobby, and the room has visitors on and
// its soft limit or its limit of participants.
func (m *Manager) WouldVisit(key Key, p Participant, lobbyBypass bool) bool {
	m.mu.Lock()
	r := m.rooms[key]
	m.mu.Unlock()
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.info.Lobby && !p.Moderator() && !lobbyBypass {
		return false
	}
	return r.becomesVisitor(&p, cmp.Or(r.maxOcc, m.cfg.MaxParticipants))
}

// addVisitor makes mb a visitor. Called with r.mu held.
func (r *Room) addVisitor(mb *member) ([]Event, error) {
	max := cmp.Or(r.m.cfg.MaxVisitors, DefaultMaxVisitors)
	if len(r.visitors) >= max {
		return nil, fmt.Errorf("%w: it has its maximum of participants and of %d visitors", ErrFull, max)
	}
	mb.p.Role = RoleVisitor
	if r.visitors == nil {
		r.visitors = map[string]*member{}
	}
	r.visitors[mb.p.ID] = mb
	r.issueTicket(mb)
	r.visitorsChanged()
	if r.seen == nil {
		r.seen = map[string]Participant{}
		r.active = map[string]bool{}
	}
	r.seen[mb.p.ID] = mb.p
	e := r.event(ParticipantJoined, &mb.p)
	if len(r.members) > 0 && !r.active[mb.p.ID] { // watching someone: active
		r.active[mb.p.ID] = true
		e.Active = append(e.Active, mb.p)
	}
	return []Event{e}, nil
}

// removeVisitor drops a visitor; false if id is none. Called with r.mu held.
func (r *Room) removeVisitor(id string, reason LeaveReason) ([]Event, bool) {
	mb, ok := r.visitors[id]
	if !ok {
		return nil, false
	}
	delete(r.visitors, id)
	r.visitorsChanged()
	if mb.p.HandRaised {
		r.notifyModerators(VisitorRequest{Participant: mb.p, Asking: false})
	}
	return []Event{r.leaveEvent(ParticipantLeft, &mb.p, reason)}, true
}

// visitorsChanged keeps the count in the room's info and tells everyone.
// Called with r.mu held.
func (r *Room) visitorsChanged() {
	r.info.Visitors = len(r.visitors)
	r.broadcast(VisitorsChanged{Count: len(r.visitors)})
}

// Visitor reports whether the participant is a visitor.
func (ms *Membership) Visitor() bool {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.visitors[ms.id]
	return ok
}

// AskToJoin raises (or lowers) a visitor's hand: the moderators are told.
func (ms *Membership) AskToJoin(asking bool) error {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	mb, ok := r.visitors[ms.id]
	if !ok {
		return ErrNoParticipant
	}
	mb.p.HandRaised = asking
	r.notifyModerators(VisitorRequest{Participant: mb.p, Asking: asking})
	return nil
}

// ListVisitorsFeature is the token feature (context.features) that lets a
// moderator see who the visitors are, not only how many (JaaS's
// list-visitors).
const ListVisitorsFeature = "list-visitors"

// ListVisitors names the room's visitors, longest there first, for a
// moderator whose token sets ListVisitorsFeature true (as on JaaS, where a
// token without the feature does not have it).
func (ms *Membership) ListVisitors() ([]Participant, error) {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	self, ok := r.members[ms.id]
	switch {
	case !ok:
		return nil, ErrNoParticipant
	case !self.p.Moderator():
		return nil, ErrNotModerator
	case !self.p.Features[ListVisitorsFeature]:
		return nil, fmt.Errorf("%w: naming the visitors needs context.features.%s true in your token", ErrNotAllowed, ListVisitorsFeature)
	}
	out := make([]Participant, 0, len(r.visitors))
	for _, mb := range r.visitors {
		out = append(out, mb.p)
	}
	slices.SortFunc(out, func(a, b Participant) int { return cmp.Or(a.JoinedAt.Compare(b.JoinedAt), strings.Compare(a.ID, b.ID)) })
	return out, nil
}

// AskingToJoin are the visitors asking to join, for a moderator.
func (r *Room) AskingToJoin() []Participant {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Participant
	for _, mb := range r.visitors {
		if mb.p.HandRaised {
			out = append(out, mb.p)
		}
	}
	return out
}

// PromoteVisitor lets a visitor in as a participant (moderators only),
// within the room's participant limit.
func (ms *Membership) PromoteVisitor(ctx context.Context, target string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, ok := r.visitors[target]
		if !ok {
			return nil, ErrNoParticipant
		}
		if limit := cmp.Or(r.maxOcc, r.m.cfg.MaxParticipants); len(r.members) >= limit {
			return nil, fmt.Errorf("%w: it has its maximum of %d participants", ErrFull, limit)
		}
		delete(r.visitors, target)
		r.notifyModerators(VisitorRequest{Participant: mb.p, Asking: false})
		mb.p.Role, mb.p.HandRaised, mb.p.PromotedAt = RoleParticipant, false, r.m.cfg.Now().UTC()
		r.visitorsChanged()
		for _, o := range r.members {
			if o.p.Breakout == "" {
				o.conn.Notify(ParticipantJoinedNotice{Participant: mb.p})
			}
		}
		r.notifyVisitors(ParticipantJoinedNotice{Participant: mb.p})
		r.members[target] = mb
		r.breakoutsChanged()
		mb.conn.Notify(Promoted{Participant: mb.p, By: self.p.ID})
		return []Event{r.event(RoleChanged, &mb.p)}, nil
	})
}

// notifyVisitors tells every visitor. Called with r.mu held.
func (r *Room) notifyVisitors(n Notice) {
	for _, mb := range r.visitors {
		mb.conn.Notify(n)
	}
}
