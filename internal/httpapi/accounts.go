package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/forwarded"
)

func (a *API) registerAccounts(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/auth/signup", a.handle(a.signUp))
	mux.Handle("POST /api/v1/auth/login", a.handle(a.login))
	mux.Handle("POST /api/v1/auth/logout", a.guard(account.Read, a.logout))
	mux.Handle("GET /api/v1/me", a.guard(account.Read, a.me))
	mux.Handle("PUT /api/v1/me/password", a.guard(account.Read, a.changePassword))
	mux.Handle("PUT /api/v1/accounts/password", a.guard(account.Operate, a.resetPassword))
	mux.Handle("GET /api/v1/invitations/{token}", a.handle(a.getInvitation))
	mux.Handle("POST /api/v1/invitations/{token}/accept", a.guard(account.Read, a.acceptInvitation))
}

// signUp creates an account and signs it in. With the operator's token it
// creates the account whatever the sign-up setting, and signs nobody in.
func (a *API) signUp(w http.ResponseWriter, r *http.Request) error {
	var req api.SignUpRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	byOperator := false
	if r.Header.Get("Authorization") != "" {
		p, err := a.authenticate(w, r)
		if err != nil {
			return err
		}
		if !p.operator {
			return errorf(http.StatusForbidden, "forbidden", "only the operator creates accounts for others; sign out to sign up")
		}
		byOperator = true
	} else if err := sameOrigin(r); err != nil {
		return err
	}
	undo := func() {}
	if !byOperator {
		key := "signup:" + forwarded.Key(a.cfg.Trust.ClientIP(r))
		at, wait := a.signups.take([]limit{{key, signUpsPerClient}})
		if wait > 0 {
			return tooMany("too_many_signups", wait, "too many accounts created from your address; try again in "+wait.Round(time.Minute).String())
		}
		undo = func() { a.signups.undo(key, at) }
	}
	u, err := a.cfg.Accounts.SignUp(r.Context(), account.SignUpParams{Email: req.Email, Name: req.Name, Password: req.Password,
		Invitation: req.Invitation, ByOperator: byOperator})
	if err != nil {
		if !errors.Is(err, account.ErrExists) { // only a taken address cost a hash
			undo()
		}
		return err
	}
	if byOperator {
		return writeJSON(w, http.StatusCreated, api.Me{User: accountJSON(u), Tenants: []api.Membership{}})
	}
	s, err := a.cfg.Accounts.Login(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	a.setSessionCookie(w, r, s)
	return a.writeMe(w, r, http.StatusCreated, principal{user: s.User, session: &s})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if p.session == nil {
		return errorf(http.StatusBadRequest, "invalid_argument", "logout ends a console session; this request carries a bearer token")
	}
	if err := a.cfg.Accounts.Logout(r.Context(), p.session.Token); err != nil {
		return err
	}
	a.clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	return a.writeMe(w, r, http.StatusOK, principalOf(r))
}

func (a *API) writeMe(w http.ResponseWriter, r *http.Request, status int, p principal) error {
	out := api.Me{Operator: p.operator, Tenants: []api.Membership{}}
	if !p.operator {
		out.User = accountJSON(p.user)
		ms, err := a.cfg.Accounts.Memberships(r.Context(), p.user.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if p.token == nil || p.token.Tenant == m.Tenant {
				out.Tenants = append(out.Tenants, api.Membership{Tenant: string(m.Tenant), TenantName: m.TenantName, Role: string(m.Role)})
			}
		}
	}
	if p.session != nil {
		out.CSRFToken = p.session.CSRF
	}
	return writeJSON(w, status, out)
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if p.session == nil {
		return errorf(http.StatusForbidden, "forbidden", "change your password from a console session, not with a token")
	}
	var req api.PasswordRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := a.cfg.Accounts.ChangePassword(r.Context(), p.user.ID, req.Current, req.New, p.session.Hash); err != nil {
		if errors.Is(err, account.ErrCredentials) {
			return errorf(http.StatusBadRequest, "wrong_password", "the current password is not right")
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetPassword sets someone's password (operator): for a person locked out.
func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var req api.LoginRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	u, err := a.cfg.Accounts.ResetPassword(r.Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, api.Me{User: accountJSON(u), Tenants: []api.Membership{}})
}

func (a *API) getInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := a.cfg.Accounts.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a.invitationJSON(inv))
}

func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if p.session == nil {
		return errorf(http.StatusForbidden, "forbidden", "accept invitations from a console session")
	}
	m, err := a.cfg.Accounts.AcceptInvitation(r.Context(), r.PathValue("token"), p.user)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, api.Membership{Tenant: string(m.Tenant), TenantName: m.TenantName, Role: string(m.Role)})
}

func accountJSON(u account.User) *api.Account {
	return &api.Account{ID: u.ID, Email: u.Email, Name: u.Name, CreatedAt: u.CreatedAt}
}

func (a *API) invitationJSON(inv account.Invitation) api.Invitation {
	out := api.Invitation{ID: inv.ID, Tenant: string(inv.Tenant), TenantName: inv.TenantName, Email: inv.Email, Role: string(inv.Role),
		CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, Expired: !a.cfg.Now().Before(inv.ExpiresAt), Emailed: inv.Emailed}
	if inv.Token != "" {
		out.Link = a.invitationLink(inv.Token)
	}
	return out
}

func (a *API) invitationLink(token string) string {
	return strings.TrimRight(a.cfg.PublicURL(), "/") + "/console/invitations/" + token
}
