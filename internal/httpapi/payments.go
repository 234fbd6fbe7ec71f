package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/payment"
)

// maxWebhookBody bounds a provider webhook request.
const maxWebhookBody = 1 << 20

// registerPayments adds automatic collection: the card on file, the
// provider's hosted card page (owners), a retry of a failed invoice
// (owners) and the provider's signed webhook.
func (a *API) registerPayments(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/tenants/{tenant}/billing/payment", a.guard(account.Read, a.getPayment))
	mux.Handle("POST /api/v1/tenants/{tenant}/billing/payment-method", a.guard(account.ManageBilling, a.paymentMethodURL))
	mux.Handle("POST /api/v1/tenants/{tenant}/invoices/{id}/retry", a.guard(account.ManageBilling, a.retryPayment))
	mux.Handle("POST /_confer/stripe", a.handle(a.paymentWebhook))
}

// paymentError maps payment sentinel errors to API errors.
func paymentError(err error) error {
	switch {
	case errors.Is(err, billing.ErrNoProvider):
		return errorf(http.StatusConflict, "payments_not_configured", err.Error()+": the operator marks invoices paid")
	case errors.Is(err, billing.ErrNoCard):
		return errorf(http.StatusConflict, "no_card", err.Error())
	}
	return billingError(err)
}

func (a *API) getPayment(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	info, err := a.cfg.Billing.Payment(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, info)
}

// paymentMethodURL answers {"url": ...}: the provider's page where the owner
// adds or changes the card; it comes back to the console's Billing page.
func (a *API) paymentMethodURL(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	back := a.cfg.PublicURL() + "/console/t/" + string(t.ID) + "/billing"
	u, err := a.cfg.Billing.PaymentMethodURL(r.Context(), t.ID, t.Name, back)
	if err != nil {
		return paymentError(err)
	}
	return writeJSON(w, http.StatusOK, map[string]string{"url": u})
}

func (a *API) retryPayment(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	v, err := a.cfg.Billing.RetryPayment(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return paymentError(err)
	}
	return writeJSON(w, http.StatusAccepted, v)
}

// paymentWebhook takes the provider's signed events; an unsigned, forged or
// expired one is refused with 400 and changes nothing.
func (a *API) paymentWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		return errorf(http.StatusRequestEntityTooLarge, "too_large", "webhook body over 1 MiB")
	}
	err = a.cfg.Billing.HandleEvent(r.Context(), body, r.Header.Get("Stripe-Signature"))
	switch {
	case errors.Is(err, payment.ErrSignature):
		return errorf(http.StatusBadRequest, "bad_signature", err.Error())
	case errors.Is(err, billing.ErrNoProvider):
		return errorf(http.StatusNotFound, "payments_not_configured", err.Error())
	case err != nil:
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"received": true})
}
