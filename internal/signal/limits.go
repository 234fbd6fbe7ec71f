package signal

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/room"
)

// remoteHost is the default Config.ClientIP: the host of RemoteAddr.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// connLimiter counts the open connections of each client address.
type connLimiter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newConnLimiter(max int) *connLimiter {
	return &connLimiter{max: max, n: map[string]int{}}
}

// acquire takes a connection slot of ip; false when it has max already.
func (l *connLimiter) acquire(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[ip] >= l.max {
		return false
	}
	l.n[ip]++
	return true
}

// release gives back a slot acquire took.
func (l *connLimiter) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[ip]--; l.n[ip] <= 0 {
		delete(l.n, ip)
	}
}

// guessLimiter counts wrong room passwords per room and client address in
// fixed windows: after max in one window, password attempts wait for its
// end. Windows that ended are swept once per window length, so it holds
// only the pairs that guessed wrong lately.
type guessLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	wrong     map[guessKey]*guessWindow
	lastSweep time.Time
}

type guessKey struct {
	room room.Key
	ip   string
}

type guessWindow struct {
	start time.Time
	n     int
}

func newGuessLimiter(max int, window time.Duration, now func() time.Time) *guessLimiter {
	return &guessLimiter{max: max, window: window, now: now, wrong: map[guessKey]*guessWindow{}}
}

// wait returns how long ip must wait before trying a password of room
// again; 0 when it may now.
func (l *guessLimiter) wait(r room.Key, ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.wrong[guessKey{r, ip}]
	if w == nil || w.n < l.max {
		return 0
	}
	return max(0, w.start.Add(l.window).Sub(l.now()))
}

// fail counts a wrong password of ip for room.
func (l *guessLimiter) fail(r room.Key, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= l.window {
		for k, w := range l.wrong {
			if now.Sub(w.start) >= l.window {
				delete(l.wrong, k)
			}
		}
		l.lastSweep = now
	}
	k := guessKey{r, ip}
	w := l.wrong[k]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &guessWindow{start: now}
		l.wrong[k] = w
	}
	w.n++
}
