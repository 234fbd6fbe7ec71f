package main

import (
	"cmp"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/client"
)

func nodeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Cluster nodes: status, list, drain (operator token; --server names the node)"}
	remoteFlags(cmd)

	status := &cobra.Command{
		Use: "status", Short: "The node --server points at: rooms, participants, draining", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			st, err := c.NodeStatus(cmd.Context())
			if err != nil {
				return err
			}
			state := "serving"
			if st.Draining {
				state = "draining until " + st.DrainUntil.Format(time.RFC3339)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s  %s  rooms %d  participants %d  cluster %v\n", st.ID, state, st.Rooms, st.Participants, st.Cluster)
			return nil
		},
	}

	list := &cobra.Command{
		Use: "list", Short: "The cluster's live nodes and their load", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			nl, err := c.Nodes(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NODE\tREGION\tSIGNAL URL\tROOMS\tPARTICIPANTS\tMEDIA\tTRACKS\tCPU\tSTATE")
			for _, n := range nl.Nodes {
				state := "serving"
				if n.Draining {
					state = "draining"
				}
				media := strconv.Itoa(n.Media)
				if n.MaxParticipants > 0 {
					media += "/" + strconv.Itoa(n.MaxParticipants)
				}
				cpu := fmt.Sprintf("%.0f%%", n.CPU*100)
				if n.MaxCPU > 0 {
					cpu += fmt.Sprintf("/%.0f%%", n.MaxCPU*100)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\n", n.ID, cmp.Or(n.Region, "-"), n.SignalURL, n.Rooms, n.Participants, media,
					n.Tracks, cpu, state)
			}
			return w.Flush()
		},
	}

	drain := &cobra.Command{
		Use:   "drain",
		Short: "Stop placing new rooms on the node; it exits once its meetings end (or node.drain_timeout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			st, err := c.DrainNode(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s draining: %d rooms, %d participants left (deadline %s)\n", st.ID, st.Rooms, st.Participants, st.DrainUntil.Format(time.RFC3339))
			if wait, _ := cmd.Flags().GetBool("wait"); wait {
				return waitDrained(cmd, c)
			}
			return nil
		},
	}
	drain.Flags().Bool("wait", false, "wait until the node has exited")
	cmd.AddCommand(status, list, drain)
	return cmd
}

// waitDrained polls the node until it no longer answers (it has exited).
func waitDrained(cmd *cobra.Command, c *client.Client) error {
	last := -1
	for {
		st, err := c.NodeStatus(cmd.Context())
		if err != nil {
			if client.StatusOf(err) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "node has exited")
				return nil
			}
			return err
		}
		if st.Rooms != last {
			fmt.Fprintf(cmd.OutOrStdout(), "%d rooms, %d participants left\n", st.Rooms, st.Participants)
			last = st.Rooms
		}
		select {
		case <-cmd.Context().Done():
			return cmd.Context().Err()
		case <-time.After(time.Second):
		}
	}
}
