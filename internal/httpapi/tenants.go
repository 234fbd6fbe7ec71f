package httpapi

import (
	"net/http"
	"strconv"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/tenant"
)

func (a *API) createTenant(w http.ResponseWriter, r *http.Request) error {
	var req api.CreateTenantRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	params := tenant.CreateParams{ID: req.ID, Name: req.Name}
	var (
		t   tenant.Tenant
		err error
	)
	switch p := principalOf(r); {
	case p.operator:
		t, err = a.cfg.Tenants.Create(r.Context(), params)
	case p.token != nil:
		return errorf(http.StatusForbidden, "forbidden", "an API token belongs to one tenant; create tenants signed in to the console")
	default:
		t, err = a.cfg.Accounts.CreateTenant(r.Context(), p.user.ID, params)
	}
	if err != nil {
		return err
	}
	out := tenantJSON(t)
	if !principalOf(r).operator {
		out.Role = string(account.Owner)
	}
	w.Header().Set("Location", "/api/v1/tenants/"+string(t.ID))
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) getTenant(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	out := tenantJSON(t)
	out.Role = string(principalOf(r).member.Role)
	return writeJSON(w, http.StatusOK, out)
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func (a *API) listTenants(w http.ResponseWriter, r *http.Request) error {
	if p := principalOf(r); !p.operator {
		return a.listMyTenants(w, r, p)
	}
	limit := defaultPageSize
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPageSize {
			return errorf(http.StatusBadRequest, "invalid_argument", "limit must be a number from 1 to 500")
		}
		limit = n
	}
	ts, err := a.cfg.Tenants.List(r.Context(), r.URL.Query().Get("cursor"), limit+1)
	if err != nil {
		return err
	}
	out := api.TenantList{Tenants: []api.Tenant{}}
	if len(ts) > limit {
		ts = ts[:limit]
		out.NextCursor = string(ts[limit-1].ID)
	}
	for _, t := range ts {
		out.Tenants = append(out.Tenants, tenantJSON(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

// listMyTenants lists the tenants a user belongs to (one page: people
// belong to few), with the role in each.
func (a *API) listMyTenants(w http.ResponseWriter, r *http.Request, p principal) error {
	ms, err := a.cfg.Accounts.Memberships(r.Context(), p.user.ID)
	if err != nil {
		return err
	}
	out := api.TenantList{Tenants: []api.Tenant{}}
	for _, m := range ms {
		if p.token != nil && p.token.Tenant != m.Tenant {
			continue
		}
		t, err := a.cfg.Tenants.Get(r.Context(), m.Tenant)
		if err != nil {
			return err
		}
		j := tenantJSON(t)
		j.Role = string(m.Role)
		out.Tenants = append(out.Tenants, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

// tenant loads the tenant named in the path; 404 for a malformed or unknown id.
func (a *API) tenant(r *http.Request) (tenant.Tenant, error) {
	id := r.PathValue("tenant")
	if _, err := tenant.ParseID(id); err != nil {
		return tenant.Tenant{}, errorf(http.StatusNotFound, "tenant_not_found", "no tenant "+strconv.Quote(id)+": tenant ids are vpaas-magic-cookie-<32 hex digits>")
	}
	return a.cfg.Tenants.Get(r.Context(), tenant.ID(id))
}

func tenantJSON(t tenant.Tenant) api.Tenant {
	return api.Tenant{ID: string(t.ID), Name: t.Name, CreatedAt: t.CreatedAt}
}
