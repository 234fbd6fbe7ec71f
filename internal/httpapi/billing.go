package httpapi

import (
	"errors"
	"net/http"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/billing"
)

func (a *API) registerBilling(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/tenants/{tenant}/invoices", a.guard(account.Read, a.listInvoices))
	mux.Handle("GET /api/v1/tenants/{tenant}/invoices/upcoming", a.guard(account.Read, a.previewInvoice))
	mux.Handle("GET /api/v1/tenants/{tenant}/invoices/{id}", a.guard(account.Read, a.getInvoice))
	mux.Handle("GET /api/v1/tenants/{tenant}/billing", a.guard(account.Read, a.getBilling))
	mux.Handle("PUT /api/v1/tenants/{tenant}/billing", a.guard(account.ManageBilling, a.setBilling))
	mux.Handle("POST /api/v1/billing/close", a.guard(account.Operate, a.closeMonth))
	mux.Handle("POST /api/v1/invoices/{id}/status", a.guard(account.Operate, a.setInvoiceStatus))
	a.registerPayments(mux)
}

// billingError maps the billing service's sentinel errors to API errors.
func billingError(err error) error {
	switch {
	case errors.Is(err, billing.ErrInvalid):
		return errorf(http.StatusBadRequest, "invalid_argument", err.Error())
	case errors.Is(err, billing.ErrMonthOpen):
		return errorf(http.StatusConflict, "month_not_over", err.Error())
	case errors.Is(err, billing.ErrNotFound):
		return errorf(http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, billing.ErrPlanNotFound):
		return errorf(http.StatusNotFound, "plan_not_found", err.Error())
	case errors.Is(err, billing.ErrCharging):
		return errorf(http.StatusConflict, "charging", err.Error())
	}
	return err
}

func (a *API) listInvoices(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	vs, err := a.cfg.Billing.Invoices(r.Context(), t.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"invoices": vs})
}

// previewInvoice answers this month's invoice as it would be issued now;
// ?plan=ID previews a switch to that plan now (prorated by days).
func (a *API) previewInvoice(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	p, err := a.cfg.Billing.Preview(r.Context(), t.ID, r.URL.Query().Get("plan"), principalOf(r).operator)
	if err != nil {
		return billingError(err)
	}
	return writeJSON(w, http.StatusOK, p)
}

// getInvoice answers JSON, or with ?format=html the printable invoice
// (&download=1 makes it a file to save).
func (a *API) getInvoice(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	v, err := a.cfg.Billing.Invoice(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return billingError(err)
	}
	if r.URL.Query().Get("format") != "html" {
		return writeJSON(w, http.StatusOK, v)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	if r.URL.Query().Get("download") == "1" {
		w.Header().Set("Content-Disposition", `attachment; filename="invoice-`+v.Number+`.html"`)
	}
	return billing.WriteHTML(w, v)
}

func (a *API) getBilling(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	email, err := a.cfg.Billing.BillingEmail(r.Context(), t.ID)
	if err != nil {
		return billingError(err)
	}
	return writeJSON(w, http.StatusOK, map[string]string{"email": email})
}

// setBilling sets the billing contact: {"email": "..."}.
func (a *API) setBilling(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	var req struct {
		Email string `json:"email"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if err := a.cfg.Billing.SetBillingEmail(r.Context(), t.ID, req.Email); err != nil {
		return billingError(err)
	}
	return a.getBilling(w, r)
}

// closeMonth issues a month's invoices now (operator): {"month": "YYYY-MM"}.
// The periodic job does the same for the month just ended.
func (a *API) closeMonth(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Month string `json:"month"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	n, err := a.cfg.Billing.CloseMonth(r.Context(), req.Month)
	if err != nil {
		return billingError(err)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"month": req.Month, "issued": n})
}

// setInvoiceStatus marks an invoice paid, void or open (operator):
// {"status": "paid"}.
func (a *API) setInvoiceStatus(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Status string `json:"status"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	v, err := a.cfg.Billing.SetStatus(r.Context(), r.PathValue("id"), req.Status)
	if err != nil {
		return billingError(err)
	}
	return writeJSON(w, http.StatusOK, v)
}
