package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/rsakey"
)

func keysCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Generate key pairs; manage tenants' API keys"}
	remoteFlags(cmd)
	cmd.AddCommand(keysGenerateCmd(), keysUploadCmd(), keysCreateCmd(), keysListCmd(), keysRevokeCmd())
	return cmd
}

func keysGenerateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate NAME",
		Short: "Write an RSA key pair: NAME.key (private, mode 0600) and NAME.key.pub (public)",
		Long: `Write an RSA key pair, as JaaS's guide does with
  ssh-keygen -t rsa -b 4096 -m PEM -f NAME.key
  openssl rsa -in NAME.key -pubout -outform PEM -out NAME.key.pub
Upload NAME.key.pub with 'confer keys upload'; sign tokens with NAME.key.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bits, _ := cmd.Flags().GetInt("bits")
			force, _ := cmd.Flags().GetBool("force")
			priv, err := rsakey.Generate(nil, bits)
			if err != nil {
				return err
			}
			privFile, pubFile := args[0]+".key", args[0]+".key.pub"
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			if err := writeFile(privFile, rsakey.EncodePrivate(priv), flags, 0o600); err != nil {
				return err
			}
			if err := writeFile(pubFile, rsakey.EncodePublic(&priv.PublicKey), flags, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (private, keep it secret) and %s (public, upload it)\nfingerprint %s\n",
				privFile, pubFile, rsakey.Fingerprint(&priv.PublicKey))
			return nil
		},
	}
	cmd.Flags().Int("bits", rsakey.DefaultBits, "RSA modulus size")
	cmd.Flags().Bool("force", false, "overwrite existing files")
	return cmd
}

func writeFile(name string, data []byte, flags int, mode fs.FileMode) error {
	f, err := os.OpenFile(name, flags, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists; use --force to overwrite", name)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func keysUploadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upload PUBLIC_KEY_FILE --tenant TENANT",
		Short: "Register a PEM public key as an API key of a tenant; prints the kid",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pem, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			return createKey(cmd, api.CreateKeyRequest{PublicKey: string(pem)})
		},
	}
	cmd.Flags().String("tenant", "", "tenant id (required)")
	cmd.Flags().String("id", "", "key id to use (keep a kid you already use with JaaS)")
	cmd.MarkFlagRequired("tenant")
	return cmd
}

func keysCreateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create --tenant TENANT --out FILE",
		Short: "Have the server generate an API key; the private key is written to FILE once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return createKey(cmd, api.CreateKeyRequest{Generate: true})
		},
	}
	cmd.Flags().String("tenant", "", "tenant id (required)")
	cmd.Flags().String("id", "", "key id to use")
	cmd.Flags().String("out", "", "file for the private key, mode 0600 (required; - for stdout)")
	cmd.MarkFlagRequired("tenant")
	cmd.MarkFlagRequired("out")
	return cmd
}

func createKey(cmd *cobra.Command, req api.CreateKeyRequest) error {
	c, err := apiClient(cmd)
	if err != nil {
		return err
	}
	tenant, _ := cmd.Flags().GetString("tenant")
	req.ID, _ = cmd.Flags().GetString("id")
	out, _ := cmd.Flags().GetString("out")
	if out != "" && out != "-" {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s exists; choose another --out", out)
		}
	}
	k, err := c.CreateKey(cmd.Context(), tenant, req)
	if err != nil {
		return err
	}
	switch {
	case k.PrivateKey != "" && out == "-":
		fmt.Fprint(cmd.OutOrStdout(), k.PrivateKey)
	case k.PrivateKey != "":
		if err := writeFile(out, []byte(k.PrivateKey), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
			return fmt.Errorf("key %s was created but its private key could not be saved (revoke it): %w", k.KID, err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "private key written to %s\n", out)
	}
	fmt.Fprintln(cmd.OutOrStdout(), k.KID)
	return nil
}

func keysListCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list --tenant TENANT",
		Short: "List a tenant's API keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			tenant, _ := cmd.Flags().GetString("tenant")
			list, err := c.Keys(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KID\tBITS\tCREATED\tLAST USED\tSTATUS")
			for _, k := range list.Keys {
				status, used := "active", "never"
				if k.RevokedAt != nil {
					status = "revoked " + k.RevokedAt.Format("2006-01-02 15:04")
				}
				if k.LastUsedAt != nil {
					used = k.LastUsedAt.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", k.KID, k.Bits, k.CreatedAt.Format("2006-01-02 15:04"), used, status)
			}
			return w.Flush()
		},
	}
	cmd.Flags().String("tenant", "", "tenant id (required)")
	cmd.MarkFlagRequired("tenant")
	return cmd
}

func keysRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke KID",
		Short: "Revoke an API key: tokens naming it are refused from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tenant, id, ok := strings.Cut(args[0], "/")
			if !ok {
				return fmt.Errorf("kid %q is not <tenant>/<key id>", args[0])
			}
			c, err := apiClient(cmd)
			if err != nil {
				return err
			}
			if err := c.RevokeKey(cmd.Context(), tenant, id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		},
	}
}
