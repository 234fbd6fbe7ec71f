package httpapi

import (
	"net/http"
	"strconv"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/webhook"
)

func (a *API) registerWebhooks(mux *http.ServeMux) {
	base := "/api/v1/tenants/{tenant}/webhooks"
	mux.Handle("POST "+base, a.guard(account.Configure, a.createWebhook))
	mux.Handle("GET "+base, a.guard(account.Read, a.listWebhooks))
	mux.Handle("GET "+base+"/{id}", a.guard(account.Read, a.getWebhook))
	mux.Handle("PATCH "+base+"/{id}", a.guard(account.Configure, a.patchWebhook))
	mux.Handle("DELETE "+base+"/{id}", a.guard(account.Configure, a.deleteWebhook))
	mux.Handle("POST "+base+"/{id}/test", a.guard(account.Configure, a.testWebhook))
	mux.Handle("POST "+base+"/{id}/rotate-secret", a.guard(account.Configure, a.rotateWebhookSecret))
	mux.Handle("GET "+base+"/{id}/secret", a.guard(account.Configure, a.revealWebhookSecret))
	mux.Handle("GET "+base+"/{id}/deliveries", a.guard(account.Read, a.listDeliveries))
	mux.Handle("POST "+base+"/{id}/deliveries/{delivery}/replay", a.guard(account.Configure, a.replayDelivery))
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var p webhook.EndpointParams
	if err := readJSON(w, r, &p); err != nil {
		return err
	}
	e, err := a.cfg.Webhooks.CreateEndpoint(r.Context(), t.ID, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tenants/"+string(t.ID)+"/webhooks/"+e.ID)
	return writeJSON(w, http.StatusCreated, e)
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	list, err := a.cfg.Webhooks.Endpoints(r.Context(), t.ID)
	if err != nil {
		return err
	}
	for i := range list {
		list[i] = redactEndpoint(r, list[i])
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	e, err := a.cfg.Webhooks.Endpoint(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, redactEndpoint(r, e))
}

// hiddenAuthorization replaces an endpoint's Authorization value for
// members who may not configure webhooks: it is the receiver's credential.
const hiddenAuthorization = "(hidden)"

func redactEndpoint(r *http.Request, e webhook.Endpoint) webhook.Endpoint {
	if p := principalOf(r); e.Authorization != "" && !p.operator && !p.member.Role.Can(account.Configure) {
		e.Authorization = hiddenAuthorization
	}
	return e
}

// revealWebhookSecret shows an endpoint's signing secret.
func (a *API) revealWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	secret, err := a.cfg.Webhooks.Secret(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"secret": secret})
}

func (a *API) patchWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var p webhook.EndpointParams
	if err := readJSON(w, r, &p); err != nil {
		return err
	}
	e, err := a.cfg.Webhooks.UpdateEndpoint(r.Context(), t.ID, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Webhooks.DeleteEndpoint(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) testWebhook(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.manualSend(t.ID); err != nil {
		return err
	}
	id, err := a.cfg.Webhooks.SendTest(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"delivery": id})
}

func (a *API) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	e, err := a.cfg.Webhooks.RotateSecret(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n <= 500 {
			limit = n
		} else {
			return errorf(http.StatusBadRequest, "invalid_argument", "limit must be a number from 1 to 500")
		}
	}
	list, err := a.cfg.Webhooks.Deliveries(r.Context(), t.ID, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

func (a *API) replayDelivery(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.manualSend(t.ID); err != nil {
		return err
	}
	id, err := a.cfg.Webhooks.Replay(r.Context(), t.ID, r.PathValue("id"), r.PathValue("delivery"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, map[string]string{"delivery": id})
}
