package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/api"
)

func brandingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "branding", Short: "Show and change a tenant's meeting branding (through the REST API)"}
	remoteFlags(cmd)
	cmd.PersistentFlags().String("tenant", "", "tenant id (required)")
	cmd.MarkPersistentFlagRequired("tenant")

	get := &cobra.Command{Use: "get", Short: "Print the branding as JSON", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out api.Branding
			err := webhookCall(cmd, func(c clientT, tenant string) (err error) {
				out, err = c.Branding(cmd.Context(), tenant)
				return err
			})
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		}}

	set := &cobra.Command{
		Use:   "set [--invite-url URL] [--logo-link URL] [--background-color #RRGGBB] [--frame-ancestor ORIGIN]…",
		Short: "Change the fields given (an empty value clears one); prints the branding",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			if !f.Changed("invite-url") && !f.Changed("logo-link") && !f.Changed("background-color") && !f.Changed("frame-ancestor") {
				return errors.New("nothing to change: give --invite-url, --logo-link, --background-color or --frame-ancestor")
			}
			var out api.Branding
			err := webhookCall(cmd, func(c clientT, tenant string) error {
				b, err := c.Branding(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				applyBrandingFlags(cmd, &b)
				out, err = c.SetBranding(cmd.Context(), tenant, b)
				return err
			})
			if err != nil {
				return err
			}
			return printJSON(cmd, out)
		},
	}
	set.Flags().String("invite-url", "", "base of invite links, e.g. https://app.example.com/meet")
	set.Flags().String("logo-link", "", "page the meeting logo links to, e.g. https://www.example.com")
	set.Flags().String("background-color", "", "meeting background colour, #rgb or #rrggbb")
	set.Flags().StringArray("frame-ancestor", nil, "origin allowed to embed the meeting page (repeatable; --frame-ancestor '' allows any)")

	cmd.AddCommand(get, set, brandingImageCmd("logo", "the logo shown top left in meetings (PNG, JPEG, WebP or GIF; up to 1 MiB)"),
		brandingImageCmd("background", "the meeting background image (PNG, JPEG, WebP or GIF; up to 4 MiB)"))
	return cmd
}

// applyBrandingFlags sets the fields of b whose flags were given.
func applyBrandingFlags(cmd *cobra.Command, b *api.Branding) {
	f := cmd.Flags()
	for name, field := range map[string]*string{"invite-url": &b.InviteURL, "logo-link": &b.LogoLink, "background-color": &b.BackgroundColor} {
		if f.Changed(name) {
			*field, _ = f.GetString(name)
		}
	}
	if f.Changed("frame-ancestor") {
		ancestors, _ := f.GetStringArray("frame-ancestor")
		b.FrameAncestors = []string{}
		for _, a := range ancestors {
			if a = strings.TrimSpace(a); a != "" {
				b.FrameAncestors = append(b.FrameAncestors, a)
			}
		}
	}
}

// brandingImageCmd is "confer branding logo|background FILE | --delete".
func brandingImageCmd(kind, what string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   kind + " FILE | --delete",
		Short: "Upload " + what + ", or remove it with --delete",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			del, _ := cmd.Flags().GetBool("delete")
			if del == (len(args) == 1) {
				return fmt.Errorf("give either an image file or --delete")
			}
			if del {
				return webhookCall(cmd, func(c clientT, tenant string) error {
					if err := c.DeleteBrandingImage(cmd.Context(), tenant, kind); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s removed\n", kind)
					return nil
				})
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var out api.Branding
			err = webhookCall(cmd, func(c clientT, tenant string) (err error) {
				out, err = c.SetBrandingImage(cmd.Context(), tenant, kind, imageType(args[0], data), data)
				return err
			})
			if err != nil {
				return fmt.Errorf("upload %s: %w", filepath.Base(args[0]), err)
			}
			return printJSON(cmd, out)
		},
	}
	cmd.Flags().Bool("delete", false, "remove the "+kind)
	return cmd
}

// imageType is the Content-Type to send a file with: from its extension,
// else sniffed (the server decides from the bytes either way).
func imageType(name string, data []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	case ".svg":
		return "image/svg+xml"
	}
	return http.DetectContentType(data)
}
