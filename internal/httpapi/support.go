package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/support"
	"github.com/confer-video/confer/internal/tenant"
)

// registerSupport serves support requests: a tenant's members read them
// (viewers included) and open, answer and close them (developers and up);
// the operator sees every tenant's under /api/v1/support and answers them.
func (a *API) registerSupport(mux *http.ServeMux) {
	if a.cfg.Support == nil {
		return
	}
	for _, base := range []struct {
		path     string
		read, do account.Permission
	}{{"/api/v1/tenants/{tenant}/support", account.Read, account.Support}, {"/api/v1/support", account.Operate, account.Operate}} {
		mux.Handle("GET "+base.path, a.guard(base.read, a.listSupport))
		mux.Handle("GET "+base.path+"/{id}", a.guard(base.read, a.getSupport))
		mux.Handle("POST "+base.path+"/{id}/replies", a.guard(base.do, a.replySupport))
		mux.Handle("POST "+base.path+"/{id}/status", a.guard(base.do, a.setSupportStatus))
	}
	mux.Handle("POST /api/v1/tenants/{tenant}/support", a.guard(account.Support, a.openSupport))
}

// supportError maps the support service's errors to API errors.
func supportError(err error) error {
	var re *support.RateError
	switch {
	case errors.As(err, &re):
		return tooMany("rate_limited", re.Wait, re.Error())
	case errors.Is(err, support.ErrInvalid):
		return errorf(http.StatusBadRequest, "invalid_argument", strings.TrimPrefix(err.Error(), "invalid: "))
	case errors.Is(err, support.ErrNotFound):
		return errorf(http.StatusNotFound, "support_request_not_found", strings.TrimPrefix(err.Error(), "not found: "))
	case errors.Is(err, support.ErrForbidden):
		return errorf(http.StatusForbidden, "forbidden", strings.TrimPrefix(err.Error(), "forbidden: "))
	case errors.Is(err, support.ErrLimit):
		return errorf(http.StatusConflict, "limit_reached", strings.TrimPrefix(err.Error(), "limit reached: "))
	}
	return err
}

// supportTenant is the tenant a support route names; "" on the operator's
// routes, which reach every tenant's requests.
func (a *API) supportTenant(r *http.Request) (tenant.ID, error) {
	if r.PathValue("tenant") == "" {
		return "", nil
	}
	t, err := a.tenant(r)
	return t.ID, err
}

// supportAuthor is who the request writes as.
func supportAuthor(r *http.Request) support.Author {
	p := principalOf(r)
	if p.operator {
		return support.Author{Operator: true}
	}
	return support.Author{UserID: p.user.ID, Name: p.user.Name, Email: p.user.Email}
}

// listSupport lists requests: ?status=open|answered|closed|active,
// &limit=1..500, and on the operator's route &tenant=.
func (a *API) listSupport(w http.ResponseWriter, r *http.Request) error {
	tid, err := a.supportTenant(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := support.Filter{Tenant: tid, Status: q.Get("status")}
	if tid == "" {
		f.Tenant = tenant.ID(q.Get("tenant"))
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 {
			return errorf(http.StatusBadRequest, "invalid_argument", "limit must be a number from 1 to 500")
		}
	}
	rs, err := a.cfg.Support.List(r.Context(), f)
	if err != nil {
		return supportError(err)
	}
	out := api.SupportRequestList{Requests: make([]api.SupportRequest, 0, len(rs)), Emailed: a.cfg.Support.OperatorEmail() != ""}
	for _, sr := range rs {
		out.Requests = append(out.Requests, supportJSON(sr))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) openSupport(w http.ResponseWriter, r *http.Request) error {
	tid, err := a.supportTenant(r)
	if err != nil {
		return err
	}
	var req api.OpenSupportRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	sr, err := a.cfg.Support.Open(r.Context(), supportAuthor(r), tid, support.OpenParams{Subject: req.Subject, Body: req.Body,
		Severity: req.Severity, Page: req.Page, MeetingID: req.MeetingID})
	if err != nil {
		return supportError(err)
	}
	w.Header().Set("Location", "/api/v1/tenants/"+string(tid)+"/support/"+sr.ID)
	return writeJSON(w, http.StatusCreated, supportJSON(sr))
}

func (a *API) getSupport(w http.ResponseWriter, r *http.Request) error {
	tid, err := a.supportTenant(r)
	if err != nil {
		return err
	}
	sr, err := a.cfg.Support.Get(r.Context(), tid, r.PathValue("id"))
	if err != nil {
		return supportError(err)
	}
	return writeJSON(w, http.StatusOK, supportJSON(sr))
}

func (a *API) replySupport(w http.ResponseWriter, r *http.Request) error {
	tid, err := a.supportTenant(r)
	if err != nil {
		return err
	}
	var req api.SupportReply
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	m, err := a.cfg.Support.Reply(r.Context(), supportAuthor(r), tid, r.PathValue("id"), req.Body)
	if err != nil {
		return supportError(err)
	}
	return writeJSON(w, http.StatusCreated, supportMessageJSON(m))
}

func (a *API) setSupportStatus(w http.ResponseWriter, r *http.Request) error {
	tid, err := a.supportTenant(r)
	if err != nil {
		return err
	}
	var req api.SupportStatus
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	sr, err := a.cfg.Support.SetStatus(r.Context(), supportAuthor(r), tid, r.PathValue("id"), support.Status(req.Status))
	if err != nil {
		return supportError(err)
	}
	return writeJSON(w, http.StatusOK, supportJSON(sr))
}

func supportJSON(sr support.Request) api.SupportRequest {
	out := api.SupportRequest{ID: sr.ID, Tenant: string(sr.Tenant), TenantName: sr.TenantName, Subject: sr.Subject, Severity: string(sr.Severity),
		Status: string(sr.Status), Page: sr.Page, MeetingID: sr.MeetingID, OpenedBy: supportAuthorJSON(sr.OpenedBy), Replies: sr.Replies,
		CreatedAt: sr.CreatedAt, UpdatedAt: sr.UpdatedAt, ClosedAt: sr.ClosedAt}
	for _, m := range sr.Messages {
		out.Messages = append(out.Messages, supportMessageJSON(m))
	}
	return out
}

func supportMessageJSON(m support.Message) api.SupportMessage {
	return api.SupportMessage{ID: m.ID, Author: supportAuthorJSON(m.Author), Body: m.Body, CreatedAt: m.CreatedAt}
}

func supportAuthorJSON(a support.Author) api.SupportAuthor {
	return api.SupportAuthor{UserID: a.UserID, Name: a.Name, Email: a.Email, Operator: a.Operator}
}
