package billing

import (
	"fmt"
	"html/template"
	"io"
)

var invoicePage = template.Must(template.New("invoice").Funcs(template.FuncMap{
	"money": Money,
	"date":  func(t interface{ Format(string) string }) string { return t.Format("2 January 2006") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice {{.Number}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;color:#1d1d1f;max-width:760px;margin:40px auto;padding:0 24px}
h1{font-size:26px;margin:0}.muted{color:#6e6e73}table{width:100%;border-collapse:collapse;margin:28px 0}
th,td{padding:10px 8px;border-bottom:1px solid #e5e5ea;text-align:left}td.n,th.n{text-align:right}
tfoot td{font-weight:600;border-bottom:none}.status{display:inline-block;padding:2px 10px;border-radius:10px;background:#eef;font-size:13px;text-transform:uppercase}
.paid{background:#e3f6e8}.void{background:#f3e3e3}header{display:flex;justify-content:space-between;align-items:flex-start}
@media print{body{margin:0}.noprint{display:none}}
</style></head><body>
<header><div><h1>Invoice</h1><div class="muted">{{.Number}}</div></div>
<div><span class="status {{.Status}}">{{.Status}}</span></div></header>
<p><strong>Billed to</strong><br>{{.Tenant}}{{if .BillingEmail}}<br>{{.BillingEmail}}{{end}}</p>
<p><strong>Period</strong> {{.Month}} &nbsp; <strong>Issued</strong> {{date .IssuedAt}} &nbsp; <strong>Due</strong> {{date .DueAt}}{{if .PaidAt}} &nbsp; <strong>Paid</strong> {{date .PaidAt}}{{end}}</p>
<table><thead><tr><th>Description</th><th class="n">Quantity</th><th class="n">Unit price</th><th class="n">Amount</th></tr></thead>
<tbody>{{range .Lines}}<tr><td>{{.Description}}</td><td class="n">{{.Quantity}}</td><td class="n">{{money .UnitCents}}</td><td class="n">{{money .AmountCents}}</td></tr>{{end}}</tbody>
<tfoot><tr><td colspan="3">Total ({{.Currency}})</td><td class="n">{{money .TotalCents}}</td></tr></tfoot></table>
<p class="muted">{{.MAU}} monthly active users in {{.Month}}; the {{.Plan}} plan includes {{.IncludedMAU}}.</p>
<p class="noprint"><button onclick="print()">Print or save as PDF</button></p>
</body></html>
`))

// Money formats cents as dollars: 495 → "$4.95".
func Money(cents int64) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }

// WriteHTML renders the invoice as a printable page.
func WriteHTML(w io.Writer, v Invoice) error { return invoicePage.Execute(w, v) }
