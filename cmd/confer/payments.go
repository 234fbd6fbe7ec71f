package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/billing"
)

// paymentCmds are `confer billing` commands for automatic payments: the
// card on file and its hosted page, retrying a failed invoice, and this
// month's invoice so far.
func paymentCmds() []*cobra.Command {
	card := &cobra.Command{Use: "card", Short: "Show the card on file and print the provider's page where an owner adds or changes it", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return tenantCall(cmd, func(c clientT, tenant string) error {
				base := "/api/v1/tenants/" + tenant + "/billing"
				var info billing.PaymentInfo
				if err := c.Call(cmd.Context(), "GET", base+"/payment", nil, &info); err != nil {
					return err
				}
				var page struct{ URL string }
				if err := c.Call(cmd.Context(), "POST", base+"/payment-method", nil, &page); err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				if info.Card != nil {
					fmt.Fprintf(out, "card      %s ending in %s (%s customer %s)\n", info.Card.Brand, info.Card.Last4, info.Provider, info.Customer)
				} else {
					fmt.Fprintf(out, "card      none: invoices are not charged automatically\n")
				}
				fmt.Fprintf(out, "add or change it at (valid for a day):\n%s\n", page.URL)
				return nil
			})
		}}

	retry := &cobra.Command{Use: "retry INVOICE", Short: "Charge a failed (or open) invoice to the card on file now (owners)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var v billing.Invoice
			if err := tenantCall(cmd, func(c clientT, tenant string) error {
				return c.Call(cmd.Context(), "POST", "/api/v1/tenants/"+tenant+"/invoices/"+url.PathEscape(args[0])+"/retry", nil, &v)
			}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s: attempt %d under way; `confer billing invoices` shows the outcome\n", v.Number, v.Status, v.PaymentAttempts+1)
			return nil
		}}

	upcoming := &cobra.Command{Use: "upcoming", Short: "This month's invoice so far; --plan previews switching to a plan now (prorated by days)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			plan, _ := cmd.Flags().GetString("plan")
			var p billing.Preview
			if err := tenantCall(cmd, func(c clientT, tenant string) error {
				return c.Call(cmd.Context(), "GET", "/api/v1/tenants/"+tenant+"/invoices/upcoming?plan="+url.QueryEscape(plan), nil, &p)
			}); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintf(w, "%s so far, on %s\t\n", p.Month, p.Plan)
			for _, l := range p.Lines {
				fmt.Fprintf(w, "%s\t%s\t\n", l.Description, billing.Money(l.AmountCents))
			}
			fmt.Fprintf(w, "total\t%s\t\n", billing.Money(p.TotalCents))
			return w.Flush()
		}}
	upcoming.Flags().String("plan", "", "preview a switch to this plan now")
	return []*cobra.Command{card, retry, upcoming}
}

// paymentState is an invoice's collection state in one cell.
func paymentState(v billing.Invoice) string {
	if v.Status != billing.StatusFailed {
		return v.Status
	}
	next := "no automatic retry left"
	if v.PaymentRetryAt != nil {
		next = "next try " + v.PaymentRetryAt.Format("2006-01-02")
	}
	return fmt.Sprintf("failed (%d attempts, %s): %s", v.PaymentAttempts, next, v.PaymentError)
}
