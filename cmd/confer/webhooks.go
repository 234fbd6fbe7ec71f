package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/webhook"
)

func webhooksCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "webhooks", Short: "Manage a tenant's webhook endpoints (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id (required)")
	cmd.MarkPersistentFlagRequired("tenant")

	create := &cobra.Command{
		Use:   "create URL --events ROOM_CREATED,PARTICIPANT_JOINED,…",
		Short: "Add an endpoint; prints its id and signing secret (shown once)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			events, _ := cmd.Flags().GetStringSlice("events")
			auth, _ := cmd.Flags().GetString("authorization")
			var out webhook.Endpoint
			err := webhookCall(cmd, func(c clientT, tenant string) error {
				return c.CreateWebhook(cmd.Context(), tenant, map[string]any{"url": args[0], "events": events, "authorization": auth}, &out)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "id      %s\nsecret  %s\nevents  %s\n", out.ID, out.Secret, strings.Join(out.Events, ","))
			return nil
		},
	}
	create.Flags().StringSlice("events", nil, "event types to receive (comma-separated; required)")
	create.Flags().String("authorization", "", "value of the Authorization header sent with each event")
	create.MarkFlagRequired("events")

	list := &cobra.Command{
		Use: "list", Short: "List endpoints", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct{ Webhooks []webhook.Endpoint }
			if err := webhookCall(cmd, func(c clientT, tenant string) error { return c.Webhooks(cmd.Context(), tenant, &out) }); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tURL\tEVENTS\tENABLED")
			for _, e := range out.Webhooks {
				fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", e.ID, e.URL, strings.Join(e.Events, ","), e.Enabled)
			}
			return w.Flush()
		},
	}

	set := func(use, short string, body func(*cobra.Command, []string) map[string]any) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				var out webhook.Endpoint
				return webhookCall(cmd, func(c clientT, tenant string) error {
					return c.UpdateWebhook(cmd.Context(), tenant, args[0], body(cmd, args), &out)
				})
			}}
	}
	enable := set("enable ID", "Enable an endpoint", func(*cobra.Command, []string) map[string]any { return map[string]any{"enabled": true} })
	disable := set("disable ID", "Disable an endpoint", func(*cobra.Command, []string) map[string]any { return map[string]any{"enabled": false} })

	del := &cobra.Command{Use: "delete ID", Short: "Delete an endpoint", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return webhookCall(cmd, func(c clientT, tenant string) error { return c.DeleteWebhook(cmd.Context(), tenant, args[0]) })
		}}
	action := func(use, short, path string) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: cobra.RangeArgs(1, 2),
			RunE: func(cmd *cobra.Command, args []string) error {
				p := path
				if len(args) == 2 {
					p = "deliveries/" + args[1] + "/replay"
				}
				var out map[string]any
				if err := webhookCall(cmd, func(c clientT, tenant string) error {
					return c.WebhookAction(cmd.Context(), tenant, args[0], p, &out)
				}); err != nil {
					return err
				}
				return printJSON(cmd, out)
			}}
	}
	deliveries := &cobra.Command{Use: "deliveries ID", Short: "Show an endpoint's recent deliveries", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct{ Deliveries []webhook.Delivery }
			if err := webhookCall(cmd, func(c clientT, tenant string) error {
				return c.WebhookDeliveries(cmd.Context(), tenant, args[0], 50, &out)
			}); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "DELIVERY\tEVENT\tSTATUS\tATTEMPTS\tCODE\tLATENCY\tCREATED\tERROR")
			for _, d := range out.Deliveries {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%dms\t%s\t%s\n", d.ID, d.EventType, d.Status, d.Attempts, d.StatusCode, d.LatencyMS,
					d.CreatedAt.Format("2006-01-02 15:04:05"), d.Error)
			}
			return w.Flush()
		}}
	cmd.AddCommand(create, list, enable, disable, del, deliveries,
		action("test ID", "Send a TEST event to an endpoint", "test"),
		action("rotate-secret ID", "Give an endpoint a new signing secret (printed)", "rotate-secret"),
		action("replay ID DELIVERY", "Send a delivery again (same payload and idempotencyKey)", ""))
	return cmd
}

type clientT = *client.Client

// webhookCall runs fn with a REST client and the --tenant flag.
func webhookCall(cmd *cobra.Command, fn func(c clientT, tenant string) error) error {
	c, tenant, err := tenantClient(cmd)
	if err != nil {
		return err
	}
	return fn(c, tenant)
}

func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
