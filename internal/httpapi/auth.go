package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/tenant"
)

// principal is who a request acts as: the operator, or a console user
// through a browser session or a personal API token (bound to one tenant).
type principal struct {
	operator bool
	user     account.User
	session  *account.Session
	token    *account.APIToken
	// member is the user's membership of the tenant the route names.
	member account.Member
}

// actor is the principal as the account service sees it.
func (p principal) actor() account.Actor {
	return account.Actor{UserID: p.user.ID, Role: p.member.Role, Operator: p.operator}
}

type principalKey struct{}

func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// guard wraps a handler with authentication and the permission it needs.
// On routes that name a tenant, a user who is not a member gets the same 404
// as for a tenant that does not exist, so tenants cannot be discovered.
func (a *API) guard(perm account.Permission, h handlerFunc) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := a.authenticate(w, r)
		if err != nil {
			return err
		}
		if id := r.PathValue("tenant"); id != "" && !p.operator {
			if p.member, err = a.membership(r.Context(), p, id); err != nil {
				return err
			}
			if !p.member.Role.Can(perm) {
				return errorf(http.StatusForbidden, "forbidden", "your role in this tenant is "+string(p.member.Role)+
					"; to "+perm.String()+" you need to be "+roleOrAbove(account.Needed(perm)))
			}
		} else if perm == account.Operate && !p.operator {
			return errorf(http.StatusForbidden, "forbidden", "only the operator (with the admin token) may "+perm.String())
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func roleOrAbove(r account.Role) string {
	switch r {
	case "":
		return "the operator"
	case account.Owner:
		return "an owner"
	}
	return "a " + string(r) + " or above"
}

// membership finds the principal's role in the tenant id; 404 when none.
func (a *API) membership(ctx context.Context, p principal, id string) (account.Member, error) {
	notFound := errorf(http.StatusNotFound, "tenant_not_found", "no tenant "+strconv.Quote(id)+" among yours")
	if p.token != nil && string(p.token.Tenant) != id {
		return account.Member{}, notFound
	}
	m, err := a.cfg.Accounts.Membership(ctx, tenant.ID(id), p.user.ID)
	if errors.Is(err, account.ErrNotFound) {
		return account.Member{}, notFound
	}
	return m, err
}

// authenticate finds the principal: a bearer token (the operator's, or a
// personal API token), else the session cookie. Changes made with a session
// cookie must carry its CSRF token and come from this origin.
func (a *API) authenticate(w http.ResponseWriter, r *http.Request) (principal, error) {
	ctx := r.Context()
	if auth := r.Header.Get("Authorization"); auth != "" {
		bearer, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || bearer == "" {
			return principal{}, unauthorized(w, "the Authorization header must be \"Bearer <token>\"")
		}
		if strings.HasPrefix(bearer, account.TokenPrefix) {
			t, m, err := a.cfg.Accounts.Authenticate(ctx, bearer)
			if errors.Is(err, account.ErrUnauthenticated) {
				return principal{}, unauthorized(w, message(err))
			}
			if err != nil {
				return principal{}, err
			}
			u, err := a.cfg.Accounts.User(ctx, t.UserID)
			if err != nil {
				return principal{}, err
			}
			return principal{user: u, token: &t, member: m}, nil
		}
		sum := sha256.Sum256([]byte(bearer))
		if subtle.ConstantTimeCompare(sum[:], a.adminHash[:]) != 1 {
			return principal{}, unauthorized(w, "bearer token is not valid")
		}
		return principal{operator: true}, nil
	}
	c, err := r.Cookie(account.SessionCookie)
	if err != nil || c.Value == "" {
		return principal{}, unauthorized(w, "sign in to the console, or send Authorization: Bearer <API token>")
	}
	s, err := a.cfg.Accounts.Session(ctx, c.Value)
	if errors.Is(err, account.ErrUnauthenticated) {
		a.clearSessionCookie(w, r)
		return principal{}, unauthorized(w, message(err))
	}
	if err != nil {
		return principal{}, err
	}
	if unsafeMethod(r.Method) {
		if err := checkCSRF(r, s.CSRF); err != nil {
			return principal{}, err
		}
	}
	s.Token = c.Value
	a.setSessionCookie(w, r, s) // its expiry slides with the session's
	return principal{user: s.User, session: &s}, nil
}

func unauthorized(w http.ResponseWriter, msg string) error {
	w.Header().Set("WWW-Authenticate", `Bearer realm="confer"`)
	return errorf(http.StatusUnauthorized, "unauthorized", msg)
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkCSRF requires the session's token in X-CSRF-Token and, when the
// browser says where the request comes from, this server's origin.
func checkCSRF(r *http.Request, want string) error {
	if err := sameOrigin(r); err != nil {
		return err
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errorf(http.StatusForbidden, "csrf", "missing or wrong X-CSRF-Token header; reload the console page")
	}
	return nil
}

// sameOrigin refuses a request whose Origin header names another site.
func sameOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host == r.Host {
		return nil
	}
	return errorf(http.StatusForbidden, "csrf", "cross-site request from "+origin+" refused")
}
