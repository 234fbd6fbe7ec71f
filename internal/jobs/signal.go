package jobs

import (
	"context"
	"errors"
	"sync"

	"github.com/confer-video/confer/internal/store"
)

// Signal wakes the loops waiting for one kind of work (records in the
// outbox, deliveries due): in process when this node queued the work, and
// on PostgreSQL from every node, through LISTEN/NOTIFY on the signal's
// channel. A wake carries nothing; the woken loop looks in the database.
type Signal struct {
	name string // PostgreSQL channel
	st   *store.Store
	mu   sync.Mutex
	subs []chan struct{}
}

// Signal returns the signal of channel name (one per name); call it before
// Start so that the runner listens for it.
func (r *Runner) Signal(name string) *Signal {
	r.sigMu.Lock()
	defer r.sigMu.Unlock()
	if s := r.signals[name]; s != nil {
		return s
	}
	s := &Signal{name: name, st: r.cfg.Store}
	r.signals[name] = s
	return s
}

// Subscribe returns a channel that receives (at most one pending) value
// after each Wake.
func (s *Signal) Subscribe() <-chan struct{} {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	return ch
}

// Wake wakes every subscriber of this node.
func (s *Signal) Wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Notify wakes the subscribers of every node when tx commits (PostgreSQL
// NOTIFY); the caller wakes this node's with Wake after the commit.
func (s *Signal) Notify(ctx context.Context, tx *store.Tx) error {
	return s.st.Notify(ctx, tx, s.channel())
}

func (s *Signal) channel() string { return "confer_" + s.name }

// listen relays PostgreSQL notifications to the signals until ctx ends,
// reconnecting after failures; after each (re)connection it wakes every
// signal, as notifications may have been missed meanwhile.
func (r *Runner) listen(ctx context.Context) {
	r.sigMu.Lock()
	byChannel := map[string]*Signal{}
	var channels []string
	for _, s := range r.signals {
		byChannel[s.channel()] = s
		channels = append(channels, s.channel())
	}
	r.sigMu.Unlock()
	if len(channels) == 0 {
		return
	}
	b := newBackoff()
	for {
		err := r.cfg.Store.Listen(ctx, channels, func(ch string) {
			if ch == "" {
				b.reset()
				for _, s := range byChannel {
					s.Wake()
				}
				return
			}
			if s := byChannel[ch]; s != nil {
				s.Wake()
			}
		})
		if errors.Is(err, store.ErrNoListen) || ctx.Err() != nil {
			return
		}
		r.cfg.Logger.WarnContext(ctx, "listen for notifications", "err", err)
		if !b.wait(ctx) {
			return
		}
	}
}
