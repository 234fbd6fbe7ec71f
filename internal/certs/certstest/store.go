package certstest

import (
	"context"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/certs"
)

// MemStore is a certs.Store and certs.Locker in memory: Managers given the
// same one behave like the nodes of a cluster sharing a database.
type MemStore struct {
	mu     sync.Mutex
	data   map[string][]byte
	leases map[string]time.Time
}

var (
	_ certs.Store  = (*MemStore)(nil)
	_ certs.Locker = (*MemStore)(nil)
)

// Get returns a copy of what name holds.
func (s *MemStore) Get(_ context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data[name]
	if !ok {
		return nil, certs.ErrNotFound
	}
	return append([]byte(nil), d...), nil
}

// Put keeps a copy of data under name.
func (s *MemStore) Put(_ context.Context, name string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		s.data = map[string][]byte{}
	}
	s.data[name] = append([]byte(nil), data...)
	return nil
}

// Delete forgets name.
func (s *MemStore) Delete(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.data, name)
	return nil
}

// TryLock takes the lease unless it is held and not yet expired (by the
// real clock).
func (s *MemStore) TryLock(_ context.Context, name string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, held := s.leases[name]; held && time.Now().Before(until) {
		return false, nil
	}
	if s.leases == nil {
		s.leases = map[string]time.Time{}
	}
	s.leases[name] = time.Now().Add(ttl)
	return true, nil
}

// Unlock releases the lease, whoever holds it.
func (s *MemStore) Unlock(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.leases, name)
	return nil
}

// Names lists what the store holds, in no order.
func (s *MemStore) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for n := range s.data {
		out = append(out, n)
	}
	return out
}
