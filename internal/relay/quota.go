package relay

import (
	"net"
	"sync"
)

// quota bounds the allocations one credential holds at a time (RFC 5766
// §6.2 step 7: 486 Allocation Quota Reached), so one participant cannot
// make the server open a socket per source port it cares to use.
type quota struct {
	max     int
	metrics *metrics

	mu    sync.Mutex
	count map[string]int // by username
}

func newQuota(max int, m *metrics) *quota {
	return &quota{max: max, metrics: m, count: map[string]int{}}
}

// admit is the turn.QuotaHandler.
func (q *quota) admit(username, _ string, _ net.Addr) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count[username] < q.max {
		return true
	}
	q.metrics.refusedAllocations.Inc()
	return false
}

// created counts an allocation (turn.EventHandler.OnAllocationCreated).
func (q *quota) created(_, _ net.Addr, _, username, _ string, _ net.Addr, _ int) {
	q.mu.Lock()
	q.count[username]++
	q.mu.Unlock()
}

// deleted uncounts one (turn.EventHandler.OnAllocationDeleted).
func (q *quota) deleted(_, _ net.Addr, _, username, _ string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count[username]--; q.count[username] <= 0 {
		delete(q.count, username)
	}
}
