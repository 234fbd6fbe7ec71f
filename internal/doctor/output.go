package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// marks are the symbols of the statuses in text output.
var marks = map[Status]string{StatusOK: "✓", StatusWarn: "!", StatusFail: "✗", StatusSkip: "-"}

// checkTitles name the HTTP checks for people.
var checkTitles = map[string]string{"certificate": "certificate", "https": "HTTPS", "healthz": "/healthz", "readyz": "/readyz"}

// WriteText writes the report for people: one line per check with its
// time, and under a failure or warning the fix.
func (r Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "confer doctor: %s", r.Server)
	if r.Node != "" {
		fmt.Fprintf(w, " (media probed on node %s)", r.Node)
	}
	fmt.Fprintln(w)
	for _, c := range r.Checks {
		title := checkTitles[c.Name]
		if title == "" {
			title = pathTitle(c.Name)
		}
		fmt.Fprintf(w, "%s %-11s %-21s %7s  %s\n", marks[c.Status], title, c.Target, duration(c), c.Detail)
		if c.Fix != "" && (c.Status == StatusFail || c.Status == StatusWarn || c.Status == StatusSkip) {
			fmt.Fprintf(w, "  %-40s fix: %s\n", "", c.Fix)
		}
	}
	_, err := fmt.Fprintln(w, r.Summary)
	return err
}

// WriteJSON writes the report for machines.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// duration is how long a check took (from Millis for a report read back
// from JSON).
func duration(c Check) string {
	d := c.Duration
	if d == 0 {
		d = time.Duration(c.Millis) * time.Millisecond
	}
	switch {
	case d == 0:
		return ""
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
