package meetclient

import (
	"net"
	"sync"
	"time"
)

// shapedConn is the client's media socket behind a constrained downlink:
// what arrives leaves a queue at rate bits/s, and a packet that would wait
// more than maxQueueDelay there is dropped (drop-tail), as at an access
// link's bottleneck. Rate 0 lets everything through at once.
type shapedConn struct {
	net.PacketConn
	queue chan arrival
	err   error // the socket's read error, set before queue is closed

	mu   sync.Mutex
	rate int64     // bits/s; 0: unlimited
	free time.Time // when the link has sent everything queued
}

type arrival struct {
	b    []byte
	addr net.Addr
	due  time.Time
}

// maxQueueDelay is the bottleneck's buffer, in time at its rate.
const maxQueueDelay = 300 * time.Millisecond

func newShapedConn(conn net.PacketConn, rate int64) *shapedConn {
	s := &shapedConn{PacketConn: conn, queue: make(chan arrival, 4096), rate: rate}
	go s.pump()
	return s
}

// pump reads the socket as packets arrive and queues what the link takes.
func (s *shapedConn) pump() {
	defer close(s.queue)
	for {
		b := make([]byte, 1500)
		n, addr, err := s.PacketConn.ReadFrom(b)
		if err != nil {
			s.err = err
			return
		}
		if due, ok := s.schedule(n, time.Now()); ok {
			s.queue <- arrival{b[:n], addr, due}
		}
	}
}

// schedule returns when a packet of n bytes arriving now leaves the link,
// or false if the queue is full.
func (s *shapedConn) schedule(n int, now time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rate == 0 {
		return now, true
	}
	start := s.free
	if start.Before(now) {
		start = now
	}
	if start.Sub(now) > maxQueueDelay {
		return time.Time{}, false
	}
	s.free = start.Add(time.Duration(float64(n*8) / float64(s.rate) * float64(time.Second)))
	return s.free, true
}

// ReadFrom returns the next packet once the link has delivered it.
func (s *shapedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	a, ok := <-s.queue
	if !ok {
		return 0, nil, s.err
	}
	if wait := time.Until(a.due); wait > 0 {
		time.Sleep(wait)
	}
	return copy(b, a.b), a.addr, nil
}

// setRate changes the link's rate (0: unlimited).
func (s *shapedConn) setRate(rate int64) {
	s.mu.Lock()
	s.rate = rate
	s.mu.Unlock()
}
