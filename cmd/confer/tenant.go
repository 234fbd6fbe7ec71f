package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
)

func tenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants (through the server's REST API)"}
	remoteFlags(cmd)

	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a tenant and print its id",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			id, _ := cmd.Flags().GetString("id")
			t, err := c.CreateTenant(cmd.Context(), api.CreateTenantRequest{ID: id, Name: args[0]})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.ID)
			return nil
		},
	}
	create.Flags().String("id", "", "keep this tenant id (e.g. your JaaS AppID vpaas-magic-cookie-…)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tenants",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tCREATED")
			cursor := ""
			for {
				page, err := c.ListTenants(cmd.Context(), cursor, 500)
				if err != nil {
					return err
				}
				for _, t := range page.Tenants {
					fmt.Fprintf(w, "%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format("2006-01-02 15:04"))
				}
				if cursor = page.NextCursor; cursor == "" {
					return w.Flush()
				}
			}
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}
