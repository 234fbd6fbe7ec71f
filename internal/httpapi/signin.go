package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/forwarded"
)

// Sign-in limits within signInWindow. A browser that has signed in to an
// account before carries a device cookie for it and is limited on its own
// (OWASP's "device cookies"), so a stranger's failed guesses never lock the
// account's owner out on a device they have used. Other attempts are
// limited per address and client pair, per client (looser: people may share
// an address), and per account: to lock an owner out of a new device, an
// attacker must spend signInPerAccount guesses from several addresses.
const (
	signInWindow     = 15 * time.Minute
	signInPerDevice  = 10
	signInPerPair    = 10
	signInPerClient  = 100
	signInPerAccount = 50
	// signUpsPerClient is the accounts one client address may create in
	// signUpWindow.
	signUpsPerClient = 20
	signUpWindow     = time.Hour
	// DeviceCookie names the cookie that marks a browser in which an
	// account has signed in.
	DeviceCookie    = "confer_device"
	deviceCookieTTL = 365 * 24 * time.Hour
)

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	var req api.LoginRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	limits := a.signInLimits(r, email)
	at, wait := a.attempts.take(limits)
	if wait > 0 {
		return tooMany("too_many_attempts", wait, "too many failed sign-ins; try again in "+wait.Round(time.Second).String())
	}
	s, err := a.cfg.Accounts.Login(r.Context(), req.Email, req.Password)
	if err != nil {
		if !errors.Is(err, account.ErrCredentials) { // not a guess: the server was busy or failed
			a.undoAttempt(limits, at)
		}
		return err
	}
	a.undoAttempt(limits, at)
	a.attempts.reset(limits[0].key)
	a.setDeviceCookie(w, r, email)
	a.setSessionCookie(w, r, s)
	return a.writeMe(w, r, http.StatusOK, principal{user: s.User, session: &s})
}

// signInLimits are the keys an attempt for email counts against; the
// first is the one a success resets.
func (a *API) signInLimits(r *http.Request, email string) []limit {
	if nonce, ok := a.deviceNonce(r, email); ok {
		return []limit{{"device:" + nonce, signInPerDevice}}
	}
	client := forwarded.Key(a.cfg.Trust.ClientIP(r))
	return []limit{
		{"pair:" + client + "|" + email, signInPerPair},
		{"client:" + client, signInPerClient},
		{"account:" + email, signInPerAccount},
	}
}

func (a *API) undoAttempt(limits []limit, at time.Time) {
	for _, l := range limits {
		a.attempts.undo(l.key, at)
	}
}

// deviceNonce returns the nonce of the request's device cookie when the
// cookie was issued for email by this deployment.
func (a *API) deviceNonce(r *http.Request, email string) (string, bool) {
	c, err := r.Cookie(DeviceCookie)
	if err != nil {
		return "", false
	}
	nonce, mac, ok := strings.Cut(c.Value, ".")
	if !ok || len(nonce) != 22 {
		return "", false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, a.deviceMAC(nonce, email)) {
		return "", false
	}
	return nonce, true
}

// setDeviceCookie marks the browser as one email has signed in from,
// keeping its nonce when it already carries one for email.
func (a *API) setDeviceCookie(w http.ResponseWriter, r *http.Request, email string) {
	nonce, ok := a.deviceNonce(r, email)
	if !ok {
		raw := make([]byte, 16)
		a.cfg.Rand.Read(raw)
		nonce = base64.RawURLEncoding.EncodeToString(raw)
	}
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: nonce + "." + base64.RawURLEncoding.EncodeToString(a.deviceMAC(nonce, email)),
		Path: "/api/v1/auth", MaxAge: int(deviceCookieTTL.Seconds()), HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteStrictMode})
}

func (a *API) deviceMAC(nonce, email string) []byte {
	m := hmac.New(sha256.New, a.cfg.CookieKey)
	m.Write([]byte("device\x00" + nonce + "\x00" + email))
	return m.Sum(nil)
}

// secure reports whether cookies set for r must be Secure: the client
// reached us over HTTPS, here or at a trusted proxy, or the deployment's
// public URL is https.
func (a *API) secure(r *http.Request) bool {
	return a.cfg.Trust.Secure(r) || strings.HasPrefix(a.cfg.PublicURL(), "https://")
}

func (a *API) setSessionCookie(w http.ResponseWriter, r *http.Request, s account.Session) {
	http.SetCookie(w, &http.Cookie{Name: account.SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}

func (a *API) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: account.SessionCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1,
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}
