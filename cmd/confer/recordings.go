package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
)

// recordingsCmd lists, shows and deletes a tenant's recordings.
func recordingsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "recordings", Short: "A tenant's recordings: list them, get one with its download links, delete one (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id (required)")
	cmd.MarkPersistentFlagRequired("tenant")

	list := &cobra.Command{
		Use: "list", Short: "List recordings, newest first", Args: cobra.NoArgs,
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, _ []string) error {
			limit, _ := cmd.Flags().GetInt("limit")
			before, _ := cmd.Flags().GetString("cursor")
			asJSON, _ := cmd.Flags().GetBool("json")
			l, err := c.Recordings(cmd.Context(), tenant, limit, before)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd, l)
			}
			return printRecordings(cmd.OutOrStdout(), l)
		}),
	}
	list.Flags().Int("limit", 50, "how many (1 to 200)")
	list.Flags().String("cursor", "", "list those started before this recording id (the next page)")
	list.Flags().Bool("json", false, "print the API's JSON")

	get := &cobra.Command{
		Use: "get ID", Short: "Show a recording as JSON: who was there, its tracks and fresh download links", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			d, err := c.Recording(cmd.Context(), tenant, args[0])
			if err != nil {
				return err
			}
			return printJSON(cmd, d)
		}),
	}

	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a recording: its files (here and in S3) and its entry; this cannot be undone", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			if err := c.DeleteRecording(cmd.Context(), tenant, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted recording %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(list, get, del)
	return cmd
}

// printRecordings prints a page of recordings as a table.
func printRecordings(out io.Writer, l api.RecordingList) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROOM\tSTARTED\tDURATION\tPEOPLE\tSIZE\tSTATUS")
	for _, r := range l.Recordings {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Room, r.StartedAt.Local().Format("2006-01-02 15:04"),
			(time.Duration(r.DurationMs) * time.Millisecond).Round(time.Second), r.ParticipantCount, byteSize(r.SizeBytes), r.Status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if l.NextCursor != "" {
		fmt.Fprintf(out, "more: --cursor %s\n", l.NextCursor)
	}
	return nil
}

// byteSize is n bytes for people: "12.3 MB"; "—" for none.
func byteSize(n int64) string {
	if n <= 0 {
		return "—"
	}
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
