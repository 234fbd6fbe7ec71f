package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/usage"
)

func billingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "billing", Short: "Usage, plans and invoices (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id")

	usageCmd := &cobra.Command{Use: "usage", Short: "A tenant's monthly active users, meetings, participant-minutes and recorded, streamed and transcribed minutes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			month, _ := cmd.Flags().GetString("month")
			var m usage.Month
			if err := tenantCall(cmd, func(c clientT, tenant string) error {
				return c.Call(cmd.Context(), "GET", "/api/v1/tenants/"+tenant+"/usage?month="+url.QueryEscape(month), nil, &m)
			}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "month                  %s\nmau                    %d of %d included\nmeetings               %d\nparticipant-minutes    %.1f\n",
				m.Month, m.MAU, m.IncludedMAU, m.Meetings, m.ParticipantMinutes)
			fmt.Fprintf(cmd.OutOrStdout(), "recorded-minutes       %d\nstreamed-minutes       %d\ntranscribed-minutes    %d\n",
				m.RecordingMinutes, m.StreamingMinutes, m.TranscriptionMinutes)
			return nil
		}}
	usageCmd.Flags().String("month", time.Now().UTC().Format("2006-01"), "month, YYYY-MM")

	plan := &cobra.Command{Use: "plan [set PLAN | cancel | keep]", Short: "Show a tenant's plan and projected bill, switch plan (now or on the 1st, as the plan says), cancel at month end, or keep the plan (drop a scheduled change)",
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var st usage.PlanStatus
			err := tenantCall(cmd, func(c clientT, tenant string) error {
				path := "/api/v1/tenants/" + tenant + "/plan"
				switch {
				case len(args) == 0:
					return c.Call(cmd.Context(), "GET", path, nil, &st)
				case len(args) == 2 && args[0] == "set":
					return c.Call(cmd.Context(), "PUT", path, map[string]string{"plan": args[1]}, &st)
				case len(args) == 1 && args[0] == "cancel":
					return c.Call(cmd.Context(), "POST", path+"/cancel", nil, &st)
				case len(args) == 1 && args[0] == "keep":
					return c.Call(cmd.Context(), "DELETE", path+"/scheduled", nil, &st)
				}
				return fmt.Errorf("usage: confer billing plan [set PLAN | cancel | keep] --tenant T")
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plan       %s (%s): %s a month, %d MAU included, %s per MAU beyond%s\nmonth      %s: %d MAU of %d included, %d beyond\nprojected  %d MAU, %s\n",
				st.Plan.Name, st.Plan.ID, billing.Money(st.Plan.PriceCents), st.Plan.IncludedMAU, billing.Money(st.Plan.OverageCents), map[bool]string{true: ", hard cap"}[st.Plan.HardCap],
				st.Month, st.MAU, st.IncludedMAU, st.OverageMAU, st.ProjectedMAU, billing.Money(st.ProjectedTotalCents))
			if sc := st.Scheduled; sc != nil {
				verb := "changes to"
				if sc.Kind == usage.ChangeCancel {
					verb = "cancelled: moves to"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "scheduled  %s %s (%s) on %s\n", verb, sc.Plan.Name, sc.Plan.ID, sc.EffectiveAt.Format("2006-01-02"))
			}
			return nil
		}}

	addons := &cobra.Command{Use: "addons [buy|remove ADDON]", Short: "List add-ons with the tenant's MAU packs, buy one more pack or stop one renewing", Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct{ Addons []usage.TenantAddon }
			err := tenantCall(cmd, func(c clientT, tenant string) error {
				path := "/api/v1/tenants/" + tenant + "/addons"
				switch {
				case len(args) == 0:
					return c.Call(cmd.Context(), "GET", path, nil, &out)
				case len(args) == 2 && args[0] == "buy":
					return c.Call(cmd.Context(), "POST", path+"/"+url.PathEscape(args[1]), nil, &out)
				case len(args) == 2 && args[0] == "remove":
					return c.Call(cmd.Context(), "DELETE", path+"/"+url.PathEscape(args[1]), nil, &out)
				}
				return fmt.Errorf("usage: confer billing addons [buy|remove ADDON] --tenant T")
			})
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tKIND\tPRICE\tPER\tPACKS\tENDING")
			for _, a := range out.Addons {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", a.ID, a.Name, a.Kind, billing.Money(a.PriceCents), a.Quantity, a.Packs, a.Ending)
			}
			return w.Flush()
		}}

	invoices := &cobra.Command{Use: "invoices", Short: "List a tenant's invoices", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct{ Invoices []billing.Invoice }
			if err := tenantCall(cmd, func(c clientT, tenant string) error {
				return c.Call(cmd.Context(), "GET", "/api/v1/tenants/"+tenant+"/invoices", nil, &out)
			}); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNUMBER\tMONTH\tPLAN\tMAU\tTOTAL\tSTATUS\tDUE")
			for _, v := range out.Invoices {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", v.ID, v.Number, v.Month, v.Plan, v.MAU, billing.Money(v.TotalCents), paymentState(v), v.DueAt.Format("2006-01-02"))
			}
			return w.Flush()
		}}

	closeMonth := &cobra.Command{Use: "close YYYY-MM", Short: "Issue an ended month's invoices now (operator)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			var out struct{ Issued int }
			if err := c.Call(cmd.Context(), "POST", "/api/v1/billing/close", map[string]string{"month": args[0]}, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s closed: %d invoices issued\n", args[0], out.Issued)
			return nil
		}}

	status := func(use, short, status string) *cobra.Command {
		return &cobra.Command{Use: use + " INVOICE", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := apiClient(cmd)
				if err != nil {
					return err
				}
				var v billing.Invoice
				if err := c.Call(cmd.Context(), "POST", "/api/v1/invoices/"+url.PathEscape(args[0])+"/status", map[string]string{"status": status}, &v); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", v.Number, v.Status)
				return nil
			}}
	}
	cmd.AddCommand(paymentCmds()...)
	cmd.AddCommand(usageCmd, plan, addons, invoices, closeMonth,
		status("mark-paid", "Record an invoice as paid (operator)", billing.StatusPaid),
		status("void", "Cancel an invoice (operator)", billing.StatusVoid))
	return cmd
}

// tenantCall runs fn with a REST client and the required --tenant flag.
func tenantCall(cmd *cobra.Command, fn func(c clientT, tenant string) error) error {
	if t, _ := cmd.Flags().GetString("tenant"); t == "" {
		return fmt.Errorf("--tenant is required")
	}
	return webhookCall(cmd, fn)
}
