package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/token"
)

func (a *API) registerMembers(mux *http.ServeMux) {
	base := "/api/v1/tenants/{tenant}"
	mux.Handle("GET "+base+"/members", a.guard(account.Read, a.listMembers))
	mux.Handle("POST "+base+"/members", a.guard(account.Operate, a.addMember))
	mux.Handle("PATCH "+base+"/members/{user}", a.guard(account.ManageMembers, a.setRole))
	mux.Handle("DELETE "+base+"/members/{user}", a.guard(account.Read, a.removeMember)) // anyone may leave
	mux.Handle("POST "+base+"/invitations", a.guard(account.ManageMembers, a.invite))
	mux.Handle("DELETE "+base+"/invitations/{id}", a.guard(account.ManageMembers, a.revokeInvitation))
	mux.Handle("GET "+base+"/api-tokens", a.guard(account.Read, a.listAPITokens))
	mux.Handle("POST "+base+"/api-tokens", a.guard(account.Read, a.createAPIToken))
	mux.Handle("DELETE "+base+"/api-tokens/{id}", a.guard(account.Read, a.revokeAPIToken))
	mux.Handle("POST "+base+"/test-meeting", a.guard(account.Read, a.testMeeting))
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	ms, err := a.cfg.Accounts.Members(r.Context(), t.ID)
	if err != nil {
		return err
	}
	invs, err := a.cfg.Accounts.Invitations(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := api.MemberList{Members: []api.Member{}, Invitations: []api.Invitation{}}
	for _, m := range ms {
		out.Members = append(out.Members, memberJSON(m))
	}
	for _, inv := range invs {
		out.Invitations = append(out.Invitations, a.invitationJSON(inv))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) addMember(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.AddMemberRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	role, err := account.ParseRole(req.Role)
	if err != nil {
		return err
	}
	m, err := a.cfg.Accounts.AddMember(r.Context(), t.ID, req.Email, role)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, memberJSON(m))
}

func (a *API) setRole(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.SetRoleRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	role, err := account.ParseRole(req.Role)
	if err != nil {
		return err
	}
	m, err := a.cfg.Accounts.SetRole(r.Context(), principalOf(r).actor(), t.ID, r.PathValue("user"), role)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, memberJSON(m))
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Accounts.RemoveMember(r.Context(), principalOf(r).actor(), t.ID, r.PathValue("user")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) invite(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.InviteRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	role, err := account.ParseRole(req.Role)
	if err != nil {
		return err
	}
	inv, err := a.cfg.Accounts.Invite(r.Context(), principalOf(r).actor(), t.ID, req.Email, role, a.invitationLink)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, a.invitationJSON(inv))
}

func (a *API) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Accounts.RevokeInvitation(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listAPITokens shows the caller's own tokens; owners, admins and the
// operator see every member's.
func (a *API) listAPITokens(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	p := principalOf(r)
	user := p.user.ID
	if p.operator || p.member.Role.Can(account.ManageMembers) {
		user = ""
	}
	ts, err := a.cfg.Accounts.APITokens(r.Context(), t.ID, user)
	if err != nil {
		return err
	}
	out := api.APITokenList{Tokens: []api.APIToken{}}
	for _, tok := range ts {
		out.Tokens = append(out.Tokens, apiTokenJSON(tok))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) createAPIToken(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if p := principalOf(r); p.session == nil {
		return errorf(http.StatusForbidden, "forbidden", "API tokens are personal: create them signed in to the console")
	}
	var req api.CreateAPITokenRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	tok, err := a.cfg.Accounts.CreateAPIToken(r.Context(), t.ID, principalOf(r).user.ID, req.Name)
	if err != nil {
		return err
	}
	out := apiTokenJSON(tok)
	out.Token = tok.Token
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) revokeAPIToken(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Accounts.RevokeAPIToken(r.Context(), principalOf(r).actor(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testMeetingTTL is how long a console test meeting's token lets people in.
const testMeetingTTL = 30 * time.Minute

// testMeeting mints a moderator token for the signed-in user, for a fresh
// room of the tenant, signed with the console key.
func (a *API) testMeeting(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	p := principalOf(r)
	if p.operator {
		return errorf(http.StatusForbidden, "forbidden", "a test meeting is for a console user; the operator token has none")
	}
	b := make([]byte, 3)
	rand.Read(b)
	room := "test-" + hex.EncodeToString(b)
	now := a.cfg.Now()
	exp := now.Add(testMeetingTTL).Truncate(time.Second)
	jwt, err := a.cfg.Tenants.MintConsoleToken(r.Context(), t.ID, token.Grant{Room: room, Moderator: true, Expires: exp,
		User: token.User{ID: p.user.ID, Name: p.user.Name, Email: p.user.Email}, Now: a.cfg.Now})
	if err != nil {
		return err
	}
	u := strings.TrimRight(a.cfg.PublicURL(), "/") + "/" + string(t.ID) + "/" + room + "?jwt=" + url.QueryEscape(jwt)
	return writeJSON(w, http.StatusCreated, api.TestMeeting{Room: string(t.ID) + "/" + room, URL: u, JWT: jwt, ExpiresAt: exp})
}

func memberJSON(m account.Member) api.Member {
	return api.Member{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: string(m.Role), Since: m.Since}
}

func apiTokenJSON(t account.APIToken) api.APIToken {
	return api.APIToken{ID: t.ID, Tenant: string(t.Tenant), UserID: t.UserID, Name: t.Name, Prefix: t.Prefix,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}
