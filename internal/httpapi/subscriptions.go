package httpapi

import (
	"errors"
	"net/http"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/usage"
)

// registerSubscriptions adds plan offers, scheduled changes, cancellation
// and add-ons. Money actions need ManageBilling (owners); the catalogue and
// offers are the operator's.
func (a *API) registerSubscriptions(mux *http.ServeMux) {
	mux.Handle("PUT /api/v1/plans/{plan}/visibility", a.guard(account.Operate, a.setPlanVisibility))
	mux.Handle("GET /api/v1/plans/{plan}/offers", a.guard(account.Operate, a.listPlanOffers))
	mux.Handle("PUT /api/v1/plans/{plan}/offers/{tenant_id}", a.guard(account.Operate, a.offerPlan))
	mux.Handle("DELETE /api/v1/plans/{plan}/offers/{tenant_id}", a.guard(account.Operate, a.withdrawOffer))
	mux.Handle("GET /api/v1/tenants/{tenant}/plans", a.guard(account.Read, a.listOfferedPlans))
	mux.Handle("POST /api/v1/tenants/{tenant}/plan/cancel", a.guard(account.ManageBilling, a.cancelSubscription))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/plan/scheduled", a.guard(account.ManageBilling, a.cancelScheduled))
	mux.Handle("GET /api/v1/addons", a.guard(account.Read, a.listAddons))
	mux.Handle("POST /api/v1/addons", a.guard(account.Operate, a.saveAddon))
	mux.Handle("GET /api/v1/tenants/{tenant}/addons", a.guard(account.Read, a.listTenantAddons))
	mux.Handle("POST /api/v1/tenants/{tenant}/addons/{addon}", a.guard(account.ManageBilling, a.buyPack))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/addons/{addon}", a.guard(account.ManageBilling, a.removePack))
}

// planError maps the usage service's plan and add-on errors to API errors.
func planError(err error, plan string) error {
	switch {
	case errors.Is(err, usage.ErrInvalidPlan), errors.Is(err, usage.ErrInvalidAddon):
		return errorf(http.StatusBadRequest, "invalid_argument", err.Error())
	case errors.Is(err, usage.ErrNotOffered):
		return errorf(http.StatusNotFound, "plan_not_found", "no plan "+plan+" is offered to this tenant")
	case errors.Is(err, usage.ErrPlanNotFound):
		return errorf(http.StatusNotFound, "plan_not_found", err.Error())
	case errors.Is(err, usage.ErrAddonNotFound):
		return errorf(http.StatusNotFound, "addon_not_found", err.Error())
	case errors.Is(err, usage.ErrNoChange):
		return errorf(http.StatusConflict, "no_change", err.Error())
	}
	return err
}

// setPlanVisibility makes a plan public or private: {"visibility": "private"}.
func (a *API) setPlanVisibility(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Visibility string `json:"visibility"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := a.cfg.Usage.SetPlanVisibility(r.Context(), r.PathValue("plan"), req.Visibility); err != nil {
		return planError(err, r.PathValue("plan"))
	}
	return writeJSON(w, http.StatusOK, map[string]string{"plan": r.PathValue("plan"), "visibility": req.Visibility})
}

func (a *API) listPlanOffers(w http.ResponseWriter, r *http.Request) error {
	ids, err := a.cfg.Usage.PlanOffers(r.Context(), r.PathValue("plan"))
	if err != nil {
		return planError(err, r.PathValue("plan"))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"plan": r.PathValue("plan"), "tenants": ids})
}

func (a *API) offerPlan(w http.ResponseWriter, r *http.Request) error {
	if err := a.cfg.Usage.OfferPlan(r.Context(), r.PathValue("plan"), tenant.ID(r.PathValue("tenant_id"))); err != nil {
		return planError(err, r.PathValue("plan"))
	}
	return a.listPlanOffers(w, r)
}

func (a *API) withdrawOffer(w http.ResponseWriter, r *http.Request) error {
	if err := a.cfg.Usage.WithdrawOffer(r.Context(), r.PathValue("plan"), tenant.ID(r.PathValue("tenant_id"))); err != nil {
		return planError(err, r.PathValue("plan"))
	}
	return a.listPlanOffers(w, r)
}

// listOfferedPlans lists the plans the tenant may pick.
func (a *API) listOfferedPlans(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	ps, err := a.cfg.Usage.OfferedPlans(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"plans": ps})
}

// cancelSubscription schedules the move to the default plan on the 1st.
func (a *API) cancelSubscription(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Usage.CancelSubscription(r.Context(), t.ID); err != nil {
		return planError(err, "")
	}
	return a.getTenantPlan(w, r)
}

// cancelScheduled drops a scheduled plan change or cancellation.
func (a *API) cancelScheduled(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Usage.CancelScheduled(r.Context(), t.ID); err != nil {
		return planError(err, "")
	}
	return a.getTenantPlan(w, r)
}

func (a *API) listAddons(w http.ResponseWriter, r *http.Request) error {
	as, err := a.cfg.Usage.Addons(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"addons": as})
}

// saveAddon creates or replaces an add-on (operator).
func (a *API) saveAddon(w http.ResponseWriter, r *http.Request) error {
	var ad usage.Addon
	if err := readJSON(w, r, &ad); err != nil {
		return err
	}
	ad, err := a.cfg.Usage.SaveAddon(r.Context(), ad)
	if err != nil {
		return planError(err, "")
	}
	return writeJSON(w, http.StatusCreated, ad)
}

func (a *API) listTenantAddons(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	as, err := a.cfg.Usage.TenantAddons(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"addons": as})
}

// buyPack adds one pack of a MAU-pack add-on from this month on.
func (a *API) buyPack(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Usage.BuyPack(r.Context(), t.ID, r.PathValue("addon")); err != nil {
		return planError(err, "")
	}
	return a.listTenantAddons(w, r)
}

// removePack stops one pack from renewing after this month.
func (a *API) removePack(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Usage.RemovePack(r.Context(), t.ID, r.PathValue("addon")); err != nil {
		return planError(err, "")
	}
	return a.listTenantAddons(w, r)
}
