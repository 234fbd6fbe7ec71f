package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
)

// supportCmd reads and writes support requests: a member's token with
// --tenant, or the operator's token (every tenant's when --tenant is left
// out).
func supportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "support", Short: "Support requests: members open and follow them, the operator answers (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id (required with a member's token; the operator may leave it out)")

	list := &cobra.Command{
		Use: "list", Short: "List requests, most recently changed first", Args: cobra.NoArgs,
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, _ []string) error {
			status, _ := cmd.Flags().GetString("status")
			if status == "all" {
				status = ""
			}
			l, err := c.SupportRequests(cmd.Context(), tenant, status)
			if err != nil {
				return supportHint(err, tenant)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTENANT\tSTATUS\tSEVERITY\tUPDATED\tREPLIES\tFROM\tSUBJECT")
			for _, r := range l.Requests {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.TenantName, r.Status, r.Severity,
					r.UpdatedAt.Format("2006-01-02 15:04"), r.Replies, r.OpenedBy.Email, r.Subject)
			}
			return w.Flush()
		}),
	}
	list.Flags().String("status", "active", "open, answered, closed, active (not closed) or all")

	show := &cobra.Command{
		Use: "show ID", Short: "Show a request and its thread", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			r, err := c.SupportRequest(cmd.Context(), tenant, args[0])
			if err != nil {
				return supportHint(err, tenant)
			}
			printSupport(cmd.OutOrStdout(), r)
			return nil
		}),
	}

	open := &cobra.Command{
		Use: "open --subject S [--severity high] [--meeting ID] [MESSAGE|-]", Short: "Open a request (a member's token; the message from the argument or stdin)",
		Args: cobra.MaximumNArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			if tenant == "" {
				return fmt.Errorf("--tenant is required: a request belongs to one tenant")
			}
			body, err := messageArg(cmd, args)
			if err != nil {
				return err
			}
			subject, _ := cmd.Flags().GetString("subject")
			severity, _ := cmd.Flags().GetString("severity")
			meeting, _ := cmd.Flags().GetString("meeting")
			r, err := c.OpenSupportRequest(cmd.Context(), tenant, api.OpenSupportRequest{Subject: subject, Body: body, Severity: severity, MeetingID: meeting})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "opened %s (%s): %s\n", r.ID, r.Severity, r.Subject)
			return nil
		}),
	}
	open.Flags().String("subject", "", "one line saying what is wrong (required)")
	open.Flags().String("severity", "normal", "low, normal, high or urgent")
	open.Flags().String("meeting", "", "id of the meeting it is about (from Analytics)")

	reply := &cobra.Command{
		Use: "reply ID [MESSAGE|-]", Short: "Add a message to a request's thread (from the argument or stdin)", Args: cobra.RangeArgs(1, 2),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			body, err := messageArg(cmd, args[1:])
			if err != nil {
				return err
			}
			if _, err := c.ReplySupport(cmd.Context(), tenant, args[0], body); err != nil {
				return supportHint(err, tenant)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "replied to %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(list, show, open, reply, statusCmd("close", "closed", "Close a request"), statusCmd("reopen", "open", "Reopen a closed request"))
	return cmd
}

// statusCmd is a command that sets a request's status.
func statusCmd(use, status, short string) *cobra.Command {
	return &cobra.Command{
		Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			r, err := c.SetSupportStatus(cmd.Context(), tenant, args[0], status)
			if err != nil {
				return supportHint(err, tenant)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", r.ID, r.Status)
			return nil
		}),
	}
}

// messageArg is the message given as the argument, or read from stdin
// when there is none or it is "-".
func messageArg(cmd *cobra.Command, args []string) (string, error) {
	if len(args) == 1 && args[0] != "-" {
		return args[0], nil
	}
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
	if err != nil {
		return "", fmt.Errorf("read the message from stdin: %w", err)
	}
	return string(b), nil
}

// supportHint adds what to do when a member's token is used without
// --tenant (the operator's routes refuse it).
func supportHint(err error, tenant string) error {
	if tenant == "" && client.StatusOf(err) == 403 {
		return fmt.Errorf("%w; with a member's token pass --tenant", err)
	}
	return err
}

func printSupport(w io.Writer, r api.SupportRequest) {
	fmt.Fprintf(w, "%s  %s\nstatus    %s\nseverity  %s\ntenant    %s (%s)\nopened    %s by %s <%s>\n",
		r.ID, r.Subject, r.Status, r.Severity, r.TenantName, r.Tenant, r.CreatedAt.Format("2006-01-02 15:04 MST"), r.OpenedBy.Name, r.OpenedBy.Email)
	if r.Page != "" {
		fmt.Fprintf(w, "page      %s\n", r.Page)
	}
	if r.MeetingID != "" {
		fmt.Fprintf(w, "meeting   %s\n", r.MeetingID)
	}
	for _, m := range r.Messages {
		who := m.Author.Name
		if m.Author.Operator {
			who += " (operator)"
		}
		fmt.Fprintf(w, "\n--- %s, %s\n%s\n", who, m.CreatedAt.Format("2006-01-02 15:04 MST"), strings.TrimRight(m.Body, "\n"))
	}
}
