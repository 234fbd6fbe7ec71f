package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/token"
)

func tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Mint and check Jitsi JWTs"}
	cmd.AddCommand(tokenMintCmd(), tokenCheckCmd())
	return cmd
}

func tokenMintCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mint --room TENANT/ROOM (--key FILE --kid KID | --secret SECRET --iss APP_ID)",
		Short: "Mint a token for one participant and print it",
		Long: `Mint a token for one participant and print it.

RS256 (JaaS): --key is the tenant's private key (PEM), --kid its API key id
"<tenant>/<id>". The tenant (sub) is taken from --room "<tenant>/<room>" or from
the kid. HS256 (self-hosted): --secret is the app secret (or CONFER_TOKEN_APP_SECRET)
and --iss the app_id.`,
		Args: cobra.NoArgs,
		RunE: runMint,
	}
	f := cmd.Flags()
	f.String("key", "", "private key PEM file (RS256)")
	f.String("kid", "", "API key id <tenant>/<id> (RS256)")
	f.String("secret", "", "app secret (HS256; default $CONFER_TOKEN_APP_SECRET)")
	f.String("room", "", `room: "<tenant>/<room>", a room name, or "*" for all rooms (required)`)
	f.Bool("regex", false, "room is a Lua pattern (context.room.regex)")
	f.String("sub", "", "sub claim (default: the tenant of --room or --kid)")
	f.String("iss", "", `iss claim (default "chat"; the app_id for HS256)`)
	f.String("aud", token.JaaSAudience, "aud claim")
	f.String("name", "", "display name (context.user.name)")
	f.String("email", "", "e-mail (context.user.email)")
	f.String("avatar", "", "avatar URL (context.user.avatar)")
	f.String("id", "", "user id (context.user.id)")
	f.Bool("moderator", false, "make the participant a moderator")
	f.StringArray("feature", nil, "feature=true|false (repeatable), e.g. --feature recording=true")
	f.Duration("ttl", token.DefaultTTL, "lifetime")
	cmd.MarkFlagRequired("room")
	return cmd
}

func runMint(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	str := func(name string) string { v, _ := f.GetString(name); return v }
	room, sub := str("room"), str("sub")
	if tenant, name, ok := strings.Cut(room, "/"); ok && room != "*" {
		room = name
		if sub == "" {
			sub = tenant
		}
	}
	kid := str("kid")
	if sub == "" && kid != "" {
		sub, _, _ = strings.Cut(kid, "/")
	}
	moderator, _ := f.GetBool("moderator")
	regex, _ := f.GetBool("regex")
	ttl, _ := f.GetDuration("ttl")
	featureArgs, _ := f.GetStringArray("feature")
	features := map[string]bool{}
	for _, fa := range featureArgs {
		name, val, ok := strings.Cut(fa, "=")
		if !ok || (val != "true" && val != "false") {
			return fmt.Errorf("--feature %q: write name=true or name=false", fa)
		}
		features[name] = val == "true"
	}
	now := time.Now()
	g := token.Grant{
		Tenant: sub, Room: room, RoomRegex: regex, Moderator: moderator, Features: features,
		User:   token.User{ID: str("id"), Name: str("name"), Email: str("email"), Avatar: str("avatar")},
		Issuer: str("iss"), Audience: str("aud"),
		NotBefore: now, Expires: now.Add(ttl),
	}
	var (
		jwt string
		err error
	)
	secret := str("secret")
	if secret == "" && str("key") == "" {
		secret = os.Getenv("CONFER_TOKEN_APP_SECRET")
	}
	switch {
	case str("key") != "" && secret != "":
		return fmt.Errorf("give either --key (RS256) or --secret (HS256), not both")
	case str("key") != "":
		pem, rerr := os.ReadFile(str("key"))
		if rerr != nil {
			return rerr
		}
		priv, perr := rsakey.ParsePrivate(pem)
		if perr != nil {
			return fmt.Errorf("%s: %w", str("key"), perr)
		}
		jwt, err = token.SignRS256(priv, kid, g)
	case secret != "":
		if g.Issuer == "" {
			return fmt.Errorf("--iss is required with --secret: it is the app_id the server accepts")
		}
		jwt, err = token.SignHS256(secret, g)
	default:
		return fmt.Errorf("give --key FILE --kid KID (RS256) or --secret SECRET --iss APP_ID (HS256)")
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), jwt)
	return nil
}

func tokenCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check JWT --room TENANT/ROOM",
		Short: "Ask the server whether a token admits its holder to a room, and why not",
		Long: `Ask the server whether a token admits its holder to a room, and why not.
JWT may be "-" to read it from standard input. Exits 0 when the token is valid,
1 when it is refused (the reason code and message are printed), 2 on errors.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			jwt := args[0]
			if jwt == "-" {
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), token.MaxTokenBytes+1))
				if err != nil {
					return err
				}
				jwt = strings.TrimSpace(string(b))
			}
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			room, _ := cmd.Flags().GetString("room")
			res, err := c.CheckToken(cmd.Context(), jwt, room)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				enc.Encode(res)
			} else if res.Valid {
				fmt.Fprintf(out, "valid: %s\n  mode %s, tenant %s, kid %s\n  user name %q, email %q, id %q\n  moderator %v, features %v\n  expires %s\n",
					res.Message, res.Mode, res.Tenant, res.KID, res.User.Name, res.User.Email, res.User.ID, res.Moderator, res.Features, res.ExpiresAt.Format(time.RFC3339))
			} else {
				fmt.Fprintf(out, "refused: %s\n  %s\n", res.Reason, res.Message)
			}
			if !res.Valid {
				return &exitError{code: 1, msg: "token refused: " + res.Reason}
			}
			return nil
		},
	}
	remoteFlags(cmd)
	cmd.Flags().String("room", "", `room "<tenant>/<room>" (empty: check everything but the room)`)
	cmd.Flags().Bool("json", false, "print the server's JSON answer")
	return cmd
}
