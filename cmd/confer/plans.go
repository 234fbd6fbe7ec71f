package main

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/usage"
)

// plansCmd is the operator's side of subscriptions: the plans and add-ons
// on sale, and which tenants a private plan is offered to.
func plansCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "plans", Short: "Plans, offers and add-ons the operator sells (through the REST API)"}
	remoteFlags(cmd)

	list := &cobra.Command{Use: "list", Short: "List the plans (all of them with the admin token)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct{ Plans []usage.Plan }
			if err := call(cmd, "GET", "/api/v1/plans", nil, &out); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tPRICE\tMAU\tPER EXTRA MAU\tVISIBILITY\tCHANGES")
			for _, p := range out.Plans {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", p.ID, p.Name, billing.Money(p.PriceCents), p.IncludedMAU, billing.Money(p.OverageCents), p.Visibility, p.ChangePolicy)
			}
			return w.Flush()
		}}

	offers := func(use, short, method string) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.RangeArgs(1, 2),
			RunE: func(cmd *cobra.Command, args []string) error {
				path := "/api/v1/plans/" + url.PathEscape(args[0]) + "/offers"
				if method != "GET" {
					if len(args) != 2 {
						return fmt.Errorf("usage: confer plans %s", use)
					}
					path += "/" + url.PathEscape(args[1])
				}
				var out struct {
					Plan    string
					Tenants []string
				}
				if err := call(cmd, method, path, nil, &out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s is offered to %d tenants: %s\n", out.Plan, len(out.Tenants), strings.Join(out.Tenants, " "))
				return nil
			}}
	}

	visibility := &cobra.Command{Use: "visibility PLAN public|private", Short: "Offer a plan to every tenant (public) or only to those it is offered to (private)",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := call(cmd, "PUT", "/api/v1/plans/"+url.PathEscape(args[0])+"/visibility", map[string]string{"visibility": args[1]}, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", args[0], args[1])
			return nil
		}}

	addons := &cobra.Command{Use: "addons", Short: "List the add-ons", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct{ Addons []usage.Addon }
			if err := call(cmd, "GET", "/api/v1/addons", nil, &out); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tKIND\tPRICE\tPER")
			for _, a := range out.Addons {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", a.ID, a.Name, a.Kind, billing.Money(a.PriceCents), a.Quantity)
			}
			return w.Flush()
		}}

	addons.AddCommand(addonSetCmd())
	cmd.AddCommand(list, visibility, addons,
		offers("offer PLAN TENANT", "Offer a plan to a tenant (operator)", "PUT"),
		offers("withdraw PLAN TENANT", "Withdraw a plan's offer to a tenant (operator)", "DELETE"),
		offers("offers PLAN", "List the tenants a plan is offered to (operator)", "GET"))
	return cmd
}

// addonSetCmd creates an add-on or changes one (its price, usually): flags
// left out keep the add-on's current values.
func addonSetCmd() *cobra.Command {
	set := &cobra.Command{Use: "set ADDON", Short: "Create an add-on or change its name, kind, quantity or price (operator)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list struct{ Addons []usage.Addon }
			if err := call(cmd, "GET", "/api/v1/addons", nil, &list); err != nil {
				return err
			}
			a := usage.Addon{ID: args[0]}
			for _, x := range list.Addons {
				if x.ID == a.ID {
					a = x
				}
			}
			f := cmd.Flags()
			if f.Changed("name") {
				a.Name, _ = f.GetString("name")
			}
			if f.Changed("kind") {
				a.Kind, _ = f.GetString("kind")
			}
			if f.Changed("quantity") {
				a.Quantity, _ = f.GetInt("quantity")
			}
			if f.Changed("price-cents") {
				a.PriceCents, _ = f.GetInt64("price-cents")
			}
			if err := call(cmd, "POST", "/api/v1/addons", a, &a); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (%s): %s, %s per %d\n", a.Name, a.ID, a.Kind, billing.Money(a.PriceCents), a.Quantity)
			return nil
		}}
	set.Flags().String("name", "", "name shown to tenants")
	set.Flags().String("kind", "", "mau_pack, recording_minutes, streaming_minutes or transcription_minutes")
	set.Flags().Int("quantity", 0, "MAU per pack, or minutes the price is for")
	set.Flags().Int64("price-cents", 0, "price in cents (a month for a MAU pack)")
	return set
}

// call makes one REST call with the command's client.
func call(cmd *cobra.Command, method, path string, body, out any) error {
	c, err := apiClient(cmd)
	if err != nil {
		return err
	}
	return c.Call(cmd.Context(), method, path, body, out)
}
