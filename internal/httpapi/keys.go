package httpapi

import (
	"net/http"
	"strings"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/tenant"
)

func (a *API) createKey(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req api.CreateKeyRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	var (
		k    tenant.Key
		priv []byte
	)
	switch {
	case req.PublicKey != "" && req.Generate:
		return errorf(http.StatusBadRequest, "invalid_argument", "send either public_key or generate, not both")
	case strings.TrimSpace(req.PublicKey) != "":
		k, err = a.cfg.Tenants.AddKey(r.Context(), t.ID, tenant.AddKeyParams{ID: req.ID, PublicKeyPEM: req.PublicKey})
	case req.PublicKey != "":
		return errorf(http.StatusBadRequest, "malformed_key", "public_key is blank; paste the PEM text (-----BEGIN PUBLIC KEY----- …)")
	default:
		k, priv, err = a.generateKey(r, t.ID, req.ID)
	}
	if err != nil {
		return err
	}
	out := keyJSON(k)
	out.PrivateKey = string(priv)
	w.Header().Set("Location", "/api/v1/tenants/"+string(t.ID)+"/keys/"+k.ID)
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) listKeys(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	keys, err := a.cfg.Tenants.Keys(r.Context(), t.ID)
	if err != nil {
		return err
	}
	out := api.KeyList{Keys: make([]api.Key, 0, len(keys))}
	for _, k := range keys {
		out.Keys = append(out.Keys, keyJSON(k))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) getKey(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	k, err := a.cfg.Tenants.Key(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, keyJSON(k))
}

func (a *API) revokeKey(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Tenants.RevokeKey(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func keyJSON(k tenant.Key) api.Key {
	return api.Key{KID: k.KID(), ID: k.ID, Tenant: string(k.TenantID), Bits: k.Bits, Fingerprint: k.Fingerprint,
		PublicKey: k.PublicKeyPEM, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}

// generateKey makes a key pair for the tenant within the key generation
// limits.
func (a *API) generateKey(r *http.Request, id tenant.ID, keyID string) (tenant.Key, []byte, error) {
	release, err := a.keygen.acquire(r.Context(), id)
	if err != nil {
		return tenant.Key{}, nil, err
	}
	defer release()
	return a.cfg.Tenants.GenerateKey(r.Context(), id, keyID)
}
