package room

import (
	"context"
	"sync"
)

// A room's events are made under its lock and emitted after it, in the order
// they happened: each batch takes a ticket while the lock is held.

// eventOrder hands out places in a room's event order (under the room's
// lock) and lets each batch of events out only after all earlier ones.
type eventOrder struct {
	issued  uint64 // guarded by the room's mu
	mu      sync.Mutex
	cond    *sync.Cond
	emitted uint64
}

// take reserves the next place; the caller holds the room's lock and must
// pass the ticket to emitInOrder, even with no events.
func (o *eventOrder) take() uint64 {
	t := o.issued
	o.issued++
	return t
}

// emitInOrder emits events once the batches of earlier tickets are out.
func (r *Room) emitInOrder(ctx context.Context, ticket uint64, events []Event) {
	o := &r.order
	o.mu.Lock()
	if o.cond == nil {
		o.cond = sync.NewCond(&o.mu)
	}
	for o.emitted != ticket {
		o.cond.Wait()
	}
	o.mu.Unlock()
	for _, e := range events {
		r.m.cfg.Events.Emit(ctx, e)
	}
	o.mu.Lock()
	o.emitted++
	o.cond.Broadcast()
	o.mu.Unlock()
}

func (r *Room) event(t EventType, p *Participant) Event {
	e := Event{Type: t, Time: r.m.cfg.Now().UTC(), Room: r.info}
	if p != nil && p.Breakout != "" { // it happened in a breakout room
		if b, err := r.breakout(p.Breakout); err == nil {
			e.Room = r.breakoutInfo(b)
		}
	}
	if p != nil {
		cp := *p
		e.Participant = &cp
	}
	return e
}

func (r *Room) leaveEvent(t EventType, p *Participant, reason LeaveReason) Event {
	e := r.event(t, p)
	e.Reason = reason
	return e
}
