package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/usage"
)

func (a *API) registerAnalytics(mux *http.ServeMux) {
	base := "/api/v1/tenants/{tenant}/analytics"
	mux.Handle("GET "+base+"/meetings", a.guard(account.Read, a.listMeetings))
	mux.Handle("GET "+base+"/meetings/{id}", a.guard(account.Read, a.getMeeting))
	mux.Handle("GET "+base+"/join-failures", a.guard(account.Read, a.listJoinFailures))
}

// filter reads ?from=YYYY-MM-DD&to=YYYY-MM-DD (to inclusive)&room=&limit=.
func filter(r *http.Request) (usage.Filter, error) {
	q := r.URL.Query()
	var f usage.Filter
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				return f, errorf(http.StatusBadRequest, "invalid_argument", name+" must be a date YYYY-MM-DD")
			}
			*dst = t
		}
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	f.Room = q.Get("room")
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, errorf(http.StatusBadRequest, "invalid_argument", "limit must be a number from 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}

func (a *API) listMeetings(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	f, err := filter(r)
	if err != nil {
		return err
	}
	ms, err := a.cfg.Usage.Meetings(r.Context(), t.ID, f)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="meetings.csv"`)
		return usage.WriteMeetingsCSV(w, ms)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"meetings": ms})
}

func (a *API) getMeeting(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	m, err := a.cfg.Usage.Meeting(r.Context(), t.ID, r.PathValue("id"))
	if errors.Is(err, usage.ErrNotFound) {
		return errorf(http.StatusNotFound, "meeting_not_found", "no meeting "+r.PathValue("id")+" for this tenant")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (a *API) listJoinFailures(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	f, err := filter(r)
	if err != nil {
		return err
	}
	fs, err := a.cfg.Usage.JoinFailures(r.Context(), t.ID, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"join_failures": fs})
}
