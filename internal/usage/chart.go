package usage

import (
	"fmt"
	"html/template"
	"io"
)

// chart geometry, in SVG user units.
const (
	chartW, chartH       = 720, 260
	padL, padR, padT, pB = 48, 16, 16, 32
)

var chartSVG = template.Must(template.New("chart").Parse(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Label}}" font-family="system-ui,sans-serif" font-size="11">
<title>{{.Label}}</title>
<rect width="{{.W}}" height="{{.H}}" fill="#fff"/>
{{range .Grid}}<line x1="{{$.L}}" x2="{{$.R}}" y1="{{.Y}}" y2="{{.Y}}" stroke="#e5e5ea"/><text x="{{$.TextX}}" y="{{.Y}}" dy="4" text-anchor="end" fill="#6e6e73">{{.V}}</text>
{{end}}{{if .Included}}<line x1="{{.L}}" x2="{{.R}}" y1="{{.Included.Y}}" y2="{{.Included.Y}}" stroke="#d70015" stroke-dasharray="5 4"/><text x="{{.R}}" y="{{.Included.Y}}" dy="-5" text-anchor="end" fill="#d70015">{{.Included.V}} included</text>
{{end}}{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#0a84ff"><title>{{.Date}}: {{.V}} MAU</title></rect>
{{end}}{{range .Ticks}}<text x="{{.X}}" y="{{$.TickY}}" text-anchor="middle" fill="#6e6e73">{{.V}}</text>
{{end}}</svg>
`))

type mark struct {
	X, Y, W, H float64
	V          int
	Date       string
}

// WriteChartSVG draws the month's cumulative MAU per day as bars, with the
// plan's included MAU as a dashed line: the Activity page's plot.
func WriteChartSVG(w io.Writer, m Month) error {
	top := max(m.MAU, m.IncludedMAU, 1)
	step := niceStep(top)
	top = (top + step - 1) / step * step
	plotW, plotH := float64(chartW-padL-padR), float64(chartH-padT-pB)
	y := func(v int) float64 { return float64(padT) + plotH*(1-float64(v)/float64(top)) }
	data := struct {
		W, H, L, R, TextX, TickY float64
		Label                    string
		Grid, Bars, Ticks        []mark
		Included                 *mark
	}{W: chartW, H: chartH, L: padL, R: chartW - padR, TextX: padL - 6, TickY: chartH - 12,
		Label: fmt.Sprintf("Monthly active users in %s: %d of %d included", m.Month, m.MAU, m.IncludedMAU)}
	for v := 0; v <= top; v += step {
		data.Grid = append(data.Grid, mark{Y: y(v), V: v})
	}
	if m.IncludedMAU > 0 {
		data.Included = &mark{Y: y(m.IncludedMAU), V: m.IncludedMAU}
	}
	slot := plotW / float64(max(len(m.Daily), 1))
	for i, d := range m.Daily {
		x := float64(padL) + float64(i)*slot
		data.Bars = append(data.Bars, mark{X: x + slot*0.15, Y: y(d.MAU), W: slot * 0.7, H: float64(padT) + plotH - y(d.MAU), V: d.MAU, Date: d.Date})
		if i == 0 || (i+1)%5 == 0 {
			data.Ticks = append(data.Ticks, mark{X: x + slot/2, V: i + 1}) // Daily starts on the 1st
		}
	}
	return chartSVG.Execute(w, data)
}

// niceStep is a grid step of 1, 2 or 5 × 10^k giving at most five lines.
func niceStep(top int) int {
	for base := 1; ; base *= 10 {
		for _, f := range []int{1, 2, 5} {
			if top/(f*base) <= 5 {
				return f * base
			}
		}
	}
}
