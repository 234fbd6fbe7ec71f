package signal

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

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

// connLimiter counts the open connections of each client address, and
// how fast it opens them.
type connLimiter struct {
	max   int
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu    sync.Mutex
	n     map[string]int
	rates map[string]*rate.Limiter
}

// maxRateKeys bounds the addresses whose connection rate is remembered.
const maxRateKeys = 100_000

func newConnLimiter(max int, perSecond float64, burst int, now func() time.Time) *connLimiter {
	return &connLimiter{max: max, rate: rate.Limit(perSecond), burst: burst, now: now, n: map[string]int{}, rates: map[string]*rate.Limiter{}}
}

// acquire takes a connection slot of ip. It returns 0 when it did, a
// negative duration when ip has max connections open already, and how long
// to wait when ip opens connections too fast.
func (l *connLimiter) acquire(ip string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[ip] >= l.max {
		return -1
	}
	lim := l.rates[ip]
	if lim == nil {
		if len(l.rates) > maxRateKeys {
			clear(l.rates)
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.rates[ip] = lim
	}
	now := l.now()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	l.n[ip]++
	return 0
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
