package test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/httpapi"
	"github.com/confer-video/confer/internal/store"
)

// behindProxy runs the server as the documented deployment has it: behind
// a reverse proxy on 127.0.0.1, named as trusted.
func behindProxy(c *config.Config) { c.HTTP.TrustedProxies = []string{"127.0.0.1"} }

// trustNobody makes the server believe no forwarding headers at all, not
// even from loopback.
func trustNobody(c *config.Config) { c.HTTP.TrustedProxies = []string{} }

// clientAt is a browser whose requests the trusted proxy forwards from ip.
func clientAt(s *testServer, ip string) *consoleUser {
	u := newConsoleUser(s)
	u.forwardedFor = ip
	return u
}

// Concurrent wrong passwords cannot race the limit: each attempt is counted
// before its password is hashed.
func TestSignInRaceCountsEveryAttempt(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite)
	newConsoleUser(s).signUp(t, "ada@example.com", "")
	codes := concurrentLogins(t, 60, func(int) (*consoleUser, string) { return newConsoleUser(s), "ada@example.com" })
	// Ten reach the password check: 401, or 503 when the machine is so busy
	// that the hash gate turns one away (counted all the same); the other
	// fifty are refused before it.
	if checked := codes[http.StatusUnauthorized] + codes[http.StatusServiceUnavailable]; checked != 10 || codes[http.StatusTooManyRequests] != 50 {
		t.Errorf("60 concurrent wrong passwords: got %v, want 10 checked (401, or 503 busy) and 50×429", codes)
	}
}

// A burst of sign-ins from many clients is bounded by the password-hash
// gate (here one hash at a time): nobody gets a 500, the ones turned away
// get 503 with Retry-After.
func TestSignInBurstIsBounded(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, behindProxy, func(c *config.Config) { c.Console.MaxPasswordChecks = 1 })
	var mu sync.Mutex
	var retryAfter []string
	codes := concurrentLogins(t, 100, func(i int) (*consoleUser, string) {
		u := clientAt(s, fmt.Sprintf("198.51.100.%d", i))
		return u, fmt.Sprintf("user%d@example.com", i)
	}, func(resp *http.Response) {
		if resp.StatusCode == http.StatusServiceUnavailable {
			mu.Lock()
			retryAfter = append(retryAfter, resp.Header.Get("Retry-After"))
			mu.Unlock()
		}
	})
	if codes[http.StatusUnauthorized]+codes[http.StatusServiceUnavailable] != 100 || codes[http.StatusUnauthorized] == 0 ||
		codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("100 concurrent sign-ins: got %v, want 401s and, beyond the gate, 503s", codes)
	}
	for _, ra := range retryAfter {
		if ra == "" {
			t.Errorf("a 503 without Retry-After")
			break
		}
	}
}

// Behind the proxy, clients are told apart by X-Forwarded-For: a sprayer
// locks only itself out; and a forged X-Forwarded-For from a client that
// is not the proxy changes nothing. A proxy on the same machine (loopback)
// is trusted without configuration.
func TestSignInLimitsPerClientBehindProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite) // the default: loopback proxies are trusted
	newConsoleUser(s).signUp(t, "ada@example.com", "")
	sprayer := clientAt(s, "198.51.100.66")
	for i := range 100 {
		if code := sprayer.login(t, fmt.Sprintf("random%d@example.com", i), "guess guess guess"); code != http.StatusUnauthorized {
			t.Fatalf("spray %d: got %d, want 401", i, code)
		}
	}
	if code := sprayer.login(t, "random-more@example.com", "guess guess guess"); code != http.StatusTooManyRequests {
		t.Errorf("the sprayer's 101st attempt: got %d, want 429", code)
	}
	if code := clientAt(s, "203.0.113.5").login(t, "ada@example.com", testPassword); code != http.StatusOK {
		t.Errorf("another client after the spray: got %d, want 200", code)
	}

	direct := startServer(t, store.DialectSQLite, trustNobody)
	newConsoleUser(direct).signUp(t, "ada@example.com", "")
	for i := range 10 {
		clientAt(direct, fmt.Sprintf("192.0.2.%d", i)).login(t, "ada@example.com", "guess guess guess")
	}
	if code := clientAt(direct, "192.0.2.200").login(t, "ada@example.com", "guess guess guess"); code != http.StatusTooManyRequests {
		t.Errorf("forged X-Forwarded-For without a trusted proxy: got %d, want 429 (one client)", code)
	}
}

// An attacker who knows a victim's address cannot lock the victim out: the
// victim's browser carries a device cookie from an earlier sign-in and is
// limited on its own, and a new device is locked only after guesses from
// several addresses.
func TestSignInVictimIsNotLockedOut(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, behindProxy)
	victim := clientAt(s, "203.0.113.5")
	victim.signUp(t, "ada@example.com", "")
	if code := victim.login(t, "ada@example.com", testPassword); code != http.StatusOK {
		t.Fatalf("victim's first sign-in: %d", code)
	}
	for a := range 5 { // 50 guesses from 5 addresses: the account's limit for new devices
		attacker := clientAt(s, fmt.Sprintf("198.51.100.%d", a))
		for range 10 {
			attacker.login(t, "ada@example.com", "guess guess guess")
		}
		if code := attacker.login(t, "ada@example.com", "guess guess guess"); code != http.StatusTooManyRequests {
			t.Fatalf("attacker %d's 11th guess: got %d, want 429", a, code)
		}
	}
	if code := victim.login(t, "ada@example.com", testPassword); code != http.StatusOK {
		t.Errorf("victim on their own device after 50 guesses by others: got %d, want 200", code)
	}
	if code := clientAt(s, "203.0.113.9").login(t, "ada@example.com", testPassword); code != http.StatusTooManyRequests {
		t.Errorf("a new device after 50 guesses: got %d, want 429 (the account is locked for new devices)", code)
	}
}

// Behind a TLS-terminating proxy the session cookie is Secure; a client
// that is not the proxy cannot claim https.
func TestSessionCookieSecureBehindProxy(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, behindProxy)
	newConsoleUser(s).signUp(t, "ada@example.com", "")
	for _, tc := range []struct {
		name, proto string
		want        bool
	}{{"proxy says https", "https", true}, {"proxy says http", "http", false}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/v1/auth/login", strings.NewReader(`{"email": "ada@example.com", "password": "`+testPassword+`"}`))
			req.Header.Set("X-Forwarded-For", "203.0.113.5")
			req.Header.Set("X-Forwarded-Proto", tc.proto)
			resp, err := s.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, c := range resp.Cookies() {
				if c.Secure != tc.want {
					t.Errorf("cookie %s Secure = %v, want %v", c.Name, c.Secure, tc.want)
				}
			}
			if len(resp.Cookies()) != 2 {
				t.Errorf("got %d cookies, want the session and %s", len(resp.Cookies()), httpapi.DeviceCookie)
			}
		})
	}
	direct := startServer(t, store.DialectSQLite, trustNobody)
	newConsoleUser(direct).signUp(t, "ada@example.com", "")
	req, _ := http.NewRequest(http.MethodPost, direct.URL+"/api/v1/auth/login", strings.NewReader(`{"email": "ada@example.com", "password": "`+testPassword+`"}`))
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := direct.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Secure {
			t.Errorf("cookie %s is Secure on a plain-HTTP server that trusts no proxy", c.Name)
		}
	}
}

// concurrentLogins runs n wrong-password sign-ins at once and counts the
// statuses.
func concurrentLogins(t *testing.T, n int, who func(i int) (*consoleUser, string), inspect ...func(*http.Response)) map[int]int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	start := make(chan struct{})
	for i := range n {
		u, email := who(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest(http.MethodPost, u.s.URL+"/api/v1/auth/login", strings.NewReader(`{"email": "`+email+`", "password": "guess guess guess"}`))
			if u.forwardedFor != "" {
				req.Header.Set("X-Forwarded-For", u.forwardedFor)
			}
			resp, err := u.hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			for _, f := range inspect {
				f(resp)
			}
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return codes
}

// One client address creates at most 20 accounts an hour; refused
// sign-ups (a short password) do not count.
func TestSignUpsPerClient(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, behindProxy)
	spammer := clientAt(s, "198.51.100.77")
	if code, _ := spammer.do(t, http.MethodPost, "/api/v1/auth/signup", `{"email": "x@example.com", "password": "short"}`); code != http.StatusBadRequest {
		t.Fatalf("invalid sign-up: %d", code)
	}
	for i := range 20 {
		clientAt(s, "198.51.100.77").signUp(t, fmt.Sprintf("spam%d@example.com", i), "")
	}
	code, out := spammer.do(t, http.MethodPost, "/api/v1/auth/signup", `{"email": "spam-more@example.com", "password": "`+testPassword+`"}`)
	if code != http.StatusTooManyRequests {
		t.Errorf("21st account from one address: %d %s, want 429", code, out)
	}
	clientAt(s, "203.0.113.5").signUp(t, "someone@example.com", "")
}
