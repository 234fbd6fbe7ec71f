package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/confer-video/confer/internal/usage"
)

// getUsage answers GET /api/v1/tenants/{tenant}/usage?month=YYYY-MM, and
// …/usage/chart.svg with the month's cumulative MAU plot.
func (a *API) getUsage(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	m, err := a.cfg.Usage.Usage(r.Context(), t.ID, r.URL.Query().Get("month"))
	if errors.Is(err, usage.ErrBadMonth) {
		return errorf(http.StatusBadRequest, "invalid_argument", err.Error())
	}
	if err != nil {
		return err
	}
	if strings.HasSuffix(r.URL.Path, "/chart.svg") {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "no-store")
		return usage.WriteChartSVG(w, m)
	}
	return writeJSON(w, http.StatusOK, m)
}
