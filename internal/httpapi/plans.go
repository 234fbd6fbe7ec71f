package httpapi

import (
	"net/http"
	"slices"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/usage"
)

func (a *API) registerPlans(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/plans", a.guard(account.Read, a.listPlans))
	mux.Handle("POST /api/v1/plans", a.guard(account.Operate, a.savePlan))
	mux.Handle("GET /api/v1/tenants/{tenant}/plan", a.guard(account.Read, a.getTenantPlan))
	mux.Handle("PUT /api/v1/tenants/{tenant}/plan", a.guard(account.ManageBilling, a.setTenantPlan))
	a.registerSubscriptions(mux)
}

// listPlans lists every plan to the operator, the public ones to others
// (a tenant's own choice is GET /api/v1/tenants/{tenant}/plans).
func (a *API) listPlans(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.cfg.Usage.Plans(r.Context())
	if err != nil {
		return err
	}
	if !principalOf(r).operator {
		ps = slices.DeleteFunc(ps, func(p usage.Plan) bool { return p.Visibility != usage.VisibilityPublic })
	}
	return writeJSON(w, http.StatusOK, map[string]any{"plans": ps})
}

// savePlan creates or replaces a plan (operator only).
func (a *API) savePlan(w http.ResponseWriter, r *http.Request) error {
	var p usage.Plan
	if err := readJSON(w, r, &p); err != nil {
		return err
	}
	p, err := a.cfg.Usage.SavePlan(r.Context(), p)
	if err != nil {
		return planError(err, p.ID)
	}
	return writeJSON(w, http.StatusCreated, p)
}

func (a *API) getTenantPlan(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	st, err := a.cfg.Usage.TenantPlan(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

// setTenantPlan moves the tenant to another plan, {"plan": "<id>"}, at once
// or on the 1st of next month as the plan's change policy says; members may
// pick only plans offered to the tenant.
func (a *API) setTenantPlan(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req struct {
		Plan string `json:"plan"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := a.cfg.Usage.ChangePlan(r.Context(), t.ID, req.Plan, principalOf(r).operator); err != nil {
		return planError(err, req.Plan)
	}
	return a.getTenantPlan(w, r)
}
