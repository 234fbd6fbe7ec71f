package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
)

func membersCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "members", Short: "Manage a tenant's team: members, roles and invitations (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id (required)")
	cmd.MarkPersistentFlagRequired("tenant")

	list := &cobra.Command{
		Use: "list", Short: "List members and pending invitations", Args: cobra.NoArgs,
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, _ []string) error {
			ml, err := c.Members(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "USER\tE-MAIL\tNAME\tROLE\tSINCE")
			for _, m := range ml.Members {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", m.UserID, m.Email, m.Name, m.Role, m.Since.Format("2006-01-02"))
			}
			for _, inv := range ml.Invitations {
				state := "invited until " + inv.ExpiresAt.Format("2006-01-02 15:04")
				if inv.Expired {
					state = "invitation expired"
				}
				fmt.Fprintf(w, "%s\t%s\t\t%s\t%s\n", inv.ID, inv.Email, inv.Role, state)
			}
			return w.Flush()
		}),
	}

	invite := &cobra.Command{
		Use: "invite EMAIL --role ROLE", Short: "Invite someone; prints the invitation link (also e-mailed when SMTP is set up)", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			role, _ := cmd.Flags().GetString("role")
			inv, err := c.Invite(cmd.Context(), tenant, api.InviteRequest{Email: args[0], Role: role})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "invited  %s as %s (until %s)\nlink     %s\n", inv.Email, inv.Role, inv.ExpiresAt.Format("2006-01-02 15:04 MST"), inv.Link)
			return nil
		}),
	}
	invite.Flags().String("role", "developer", "owner, admin, developer or viewer")

	add := &cobra.Command{
		Use: "add EMAIL --role ROLE", Short: "Add an existing account without an invitation (operator token only)", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			role, _ := cmd.Flags().GetString("role")
			m, err := c.AddMember(cmd.Context(), tenant, api.AddMemberRequest{Email: args[0], Role: role})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (%s) is %s\n", m.Email, m.UserID, m.Role)
			return nil
		}),
	}
	add.Flags().String("role", "developer", "owner, admin, developer or viewer")

	setRole := &cobra.Command{
		Use: "set-role USER|EMAIL ROLE", Short: "Change a member's role", Args: cobra.ExactArgs(2),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			id, err := memberID(cmd, c, tenant, args[0])
			if err != nil {
				return err
			}
			m, err := c.SetRole(cmd.Context(), tenant, id, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", m.Email, m.Role)
			return nil
		}),
	}

	remove := &cobra.Command{
		Use: "remove USER|EMAIL", Short: "Remove a member (and the API tokens they made for the tenant)", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			id, err := memberID(cmd, c, tenant, args[0])
			if err != nil {
				return err
			}
			if err := c.RemoveMember(cmd.Context(), tenant, id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", args[0])
			return nil
		}),
	}

	withdraw := &cobra.Command{
		Use: "withdraw INVITATION", Short: "Withdraw a pending invitation (id from list)", Args: cobra.ExactArgs(1),
		RunE: tenantRun(func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error {
			if err := c.RevokeInvitation(cmd.Context(), tenant, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "withdrew %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(list, invite, add, setRole, remove, withdraw)
	return cmd
}

// accountCmd creates console accounts (the operator's way in when sign-up
// is closed) and says who a token acts as.
func accountCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "account", Short: "Console accounts (through the REST API)"}
	remoteFlags(cmd)
	create := &cobra.Command{
		Use: "create EMAIL", Short: "Create an account (operator token); the password is read from CONFER_PASSWORD or stdin", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			name, _ := cmd.Flags().GetString("name")
			me, err := c.CreateAccount(cmd.Context(), api.SignUpRequest{Email: args[0], Name: name, Password: readPassword(cmd)})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "account %s (%s) created\n", me.User.Email, me.User.ID)
			return nil
		},
	}
	create.Flags().String("name", "", "display name (default: the part before @)")
	reset := &cobra.Command{
		Use: "set-password EMAIL", Short: "Set someone's password and end their sessions (operator token); from CONFER_PASSWORD or stdin", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			me, err := c.ResetPassword(cmd.Context(), args[0], readPassword(cmd))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s set; their sessions are signed out\n", me.User.Email)
			return nil
		},
	}
	whoami := &cobra.Command{
		Use: "whoami", Short: "Who the token acts as, and in which tenants", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			me, err := c.Me(cmd.Context())
			if err != nil {
				return err
			}
			if me.Operator {
				fmt.Fprintln(cmd.OutOrStdout(), "operator (admin token)")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s <%s>\n", me.User.Name, me.User.Email)
			for _, m := range me.Tenants {
				fmt.Fprintf(cmd.OutOrStdout(), "  %s  %s  %s\n", m.Tenant, m.Role, m.TenantName)
			}
			return nil
		},
	}
	cmd.AddCommand(create, reset, whoami)
	return cmd
}

// readPassword reads a password from CONFER_PASSWORD, else one line of stdin.
func readPassword(cmd *cobra.Command) string {
	if pw := os.Getenv("CONFER_PASSWORD"); pw != "" {
		return pw
	}
	line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	return strings.TrimRight(line, "\r\n")
}

// tenantRun makes a RunE that gets the API client and --tenant.
func tenantRun(fn func(cmd *cobra.Command, c *client.Client, tenant string, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, tenant, err := tenantClient(cmd)
		if err != nil {
			return err
		}
		return fn(cmd, c, tenant, args)
	}
}

// tenantClient is the API client and the --tenant of a command.
func tenantClient(cmd *cobra.Command) (*client.Client, string, error) {
	c, err := apiClient(cmd)
	if err != nil {
		return nil, "", err
	}
	tenant, _ := cmd.Flags().GetString("tenant")
	return c, tenant, nil
}

// memberID accepts a user id or a member's e-mail address.
func memberID(cmd *cobra.Command, c *client.Client, tenant, who string) (string, error) {
	if !strings.Contains(who, "@") {
		return who, nil
	}
	ml, err := c.Members(cmd.Context(), tenant)
	if err != nil {
		return "", err
	}
	for _, m := range ml.Members {
		if strings.EqualFold(m.Email, who) {
			return m.UserID, nil
		}
	}
	return "", fmt.Errorf("no member %s in %s", who, tenant)
}
