package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/sched"
	"github.com/confer-video/confer/internal/server"
	"github.com/confer-video/confer/internal/store"
)

// loadConfig reads --config, the environment, then the flags that were set.
func loadConfig(cmd *cobra.Command) (config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	cfg, err := config.Load(path, os.Getenv)
	if err != nil {
		return config.Config{}, err
	}
	if f := cmd.Flags().Lookup("listen"); f != nil && f.Changed {
		cfg.Listen = f.Value.String()
	}
	if f := cmd.Flags().Lookup("data"); f != nil && f.Changed {
		cfg.Data = f.Value.String()
	}
	for name, dst := range map[string]*string{"tls-cert": &cfg.TLS.Cert, "tls-key": &cfg.TLS.Key,
		"acme-directory": &cfg.TLS.ACME.Directory, "acme-email": &cfg.TLS.ACME.Email} {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			*dst = f.Value.String()
		}
	}
	if f := cmd.Flags().Lookup("webhook-allow-private"); f != nil && f.Changed {
		cfg.Webhook.AllowPrivate, _ = cmd.Flags().GetBool("webhook-allow-private")
	}
	if f := cmd.Flags().Lookup("tls-self-signed"); f != nil && f.Changed {
		cfg.TLS.SelfSigned, _ = cmd.Flags().GetBool("tls-self-signed")
	}
	if f := cmd.Flags().Lookup("domain"); f != nil && f.Changed {
		cfg.TLS.ACME.Domains, _ = cmd.Flags().GetStringSlice("domain")
	}
	if f := cmd.Flags().Lookup("listen"); (f == nil || !f.Changed) && cfg.TLS.ACME.Enabled() && cfg.Listen == config.Default().Listen {
		cfg.Listen = ":443" // a certificate for a domain is for the world's HTTPS port
	}
	return cfg, cfg.Validate()
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serverFlags(cmd *cobra.Command) {
	cmd.Flags().String("config", "", "YAML config file")
	cmd.Flags().String("listen", "127.0.0.1:8080", "HTTP listen address")
	cmd.Flags().String("data", "./confer-data", "data directory (SQLite file, keys, secrets)")
}

func serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Confer server",
		Long: `Run the Confer server. With no configuration it keeps its state in a SQLite file
under ./confer-data, listens on 127.0.0.1:8080 and, on the first start, creates a
demo tenant with an RSA-4096 key pair and prints how to use it.

Settings come from --config FILE (YAML), then CONFER_* environment variables,
then flags. SIGINT/SIGTERM drain requests for up to 30 s; a second signal exits.
In a cluster (redis.url), the first signal drains the node first: no new rooms
are placed on it and it exits once its meetings have ended (or after
node.drain_timeout); a second signal exits at once.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			log := newLogger(cfg)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, err := server.New(ctx, cfg, server.Deps{Logger: log, Out: os.Stdout, Command: selfCommand()})
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				srv.Stop(context.Background())
				return err
			}
			defer sizeScheduler(ctx, cfg, log)()
			select {
			case <-ctx.Done():
				stop()
				if srv.Clustered() {
					drain(log, srv)
				}
			case <-srv.Drained(): // drained through the API
			case err := <-srv.Done():
				return fmt.Errorf("server stopped: %w", err)
			}
			stop() // a second signal now kills the process
			log.Info("shutting down: draining requests (send the signal again to exit now)")
			drain, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := srv.Stop(drain); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			log.Info("stopped")
			return nil
		},
	}
	serverFlags(cmd)
	cmd.Flags().String("tls-cert", "", "serve HTTPS with this PEM certificate (chain)")
	cmd.Flags().String("tls-key", "", "the certificate's PEM private key")
	cmd.Flags().Bool("tls-self-signed", false, "serve HTTPS with a self-signed certificate generated into the data dir (local trials)")
	cmd.Flags().StringSlice("domain", nil, "obtain and renew the HTTPS certificate for this domain with ACME (repeat or comma-separate for more); the CA must reach this machine on TCP 80 or 443; listen defaults to :443")
	cmd.Flags().String("acme-directory", "", "ACME directory URL (default Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory)")
	cmd.Flags().String("acme-email", "", "contact e-mail of the ACME account (the CA's expiry warnings)")
	cmd.Flags().Bool("webhook-allow-private", false, "let webhook endpoints be loopback or private addresses")
	return cmd
}

// sizeScheduler starts the scheduler's sizing unless the configuration or
// a GOMAXPROCS variable fixes it; the function returned stops it.
func sizeScheduler(ctx context.Context, cfg config.Config, log *slog.Logger) func() {
	if cfg.Procs != "auto" || os.Getenv("GOMAXPROCS") != "" {
		return func() {}
	}
	g, err := sched.New(sched.Config{Logger: log.With("component", "sched")})
	if err != nil {
		log.Warn("GOMAXPROCS stays at the cores", "err", err)
		return func() {}
	}
	g.Start(context.WithoutCancel(ctx))
	return g.Stop
}

// drain takes a cluster node out of service and waits until its meetings
// have ended; a second signal cuts the wait short.
func drain(log *slog.Logger, srv *server.Server) {
	if err := srv.Drain(context.Background()); err != nil {
		log.Error("drain", "err", err)
		return
	}
	log.Info("draining: waiting for this node's meetings to end (send the signal again to stop now)")
	again, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-srv.Drained():
	case <-again.Done():
		log.Warn("second signal: stopping with meetings still running")
	}
}

func migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply database migrations and exit",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), store.Config{URL: cfg.Database.URL, DataDir: cfg.Data})
			if err != nil {
				return err
			}
			defer st.Close()
			fmt.Printf("database (%s) is up to date\n", st.Dialect())
			return nil
		},
	}
	serverFlags(cmd)
	return cmd
}
