package httpapi

import (
	"net/http"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/tenant"
)

// registerBranding adds the branding routes; read guards what any member may
// see, write what changes the branding.
func (a *API) registerBranding(mux *http.ServeMux, read, write func(handlerFunc) http.Handler) {
	mux.Handle("GET /api/v1/tenants/{tenant}/branding", read(a.getBranding))
	mux.Handle("PUT /api/v1/tenants/{tenant}/branding", write(a.putBranding))
}

func (a *API) getBranding(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	b, err := a.cfg.Tenants.Branding(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandingJSON(b))
}

// putBranding replaces the tenant's branding with the body's fields.
func (a *API) putBranding(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.Branding
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	b, err := a.cfg.Tenants.SetBranding(r.Context(), t.ID, tenant.Branding{InviteURL: req.InviteURL, FrameAncestors: req.FrameAncestors})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, brandingJSON(b))
}

func brandingJSON(b tenant.Branding) api.Branding {
	out := api.Branding{InviteURL: b.InviteURL, FrameAncestors: b.FrameAncestors}
	if out.FrameAncestors == nil {
		out.FrameAncestors = []string{}
	}
	if !b.UpdatedAt.IsZero() {
		out.UpdatedAt = &b.UpdatedAt
	}
	return out
}
