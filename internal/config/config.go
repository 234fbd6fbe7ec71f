// Package config reads Confer's configuration: defaults for a one-machine
// deployment, then a YAML file, then CONFER_* environment variables, then
// command-line flags (applied by the caller), each overriding the last.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/confer-video/confer/internal/forwarded"
)

// Config is the whole configuration.
type Config struct {
	// Listen is the HTTP address.
	Listen string `yaml:"listen"`
	// Data is the data directory: SQLite file, generated keys and secrets.
	Data string `yaml:"data"`
	// PublicURL is how people reach this server (for printed links);
	// default http://<listen>.
	PublicURL string `yaml:"public_url"`
	// AdminToken is the operator's bearer token for the REST API. Empty:
	// read or create <data>/admin-token.
	AdminToken string   `yaml:"admin_token"`
	Database   Database `yaml:"database"`
	Token      Token    `yaml:"token"`
	Log        Log      `yaml:"log"`
	TLS        TLS      `yaml:"tls"`
	RTC        RTC      `yaml:"rtc"`
	TURN       TURN     `yaml:"turn"`
	Webhook    Webhook  `yaml:"webhook"`
	// Analytics configures meeting analytics.
	Analytics Analytics `yaml:"analytics"`
	// Console configures the Developer Console's accounts.
	Console Console `yaml:"console"`
	// SMTP, when Addr is set, sends the console's invitation e-mails.
	SMTP SMTP `yaml:"smtp"`
	// Redis, with a PostgreSQL database, makes this node a cluster member.
	Redis Redis `yaml:"redis"`
	// Node describes this node in a cluster.
	Node Node `yaml:"node"`
	// Plans are created or updated at start (the admin API can add more);
	// redefining "free" changes the plan new tenants start on.
	Plans []Plan `yaml:"plans"`
	// DefaultPlan is the plan a cancelled subscription moves to at the end
	// of its month (default "free").
	DefaultPlan string `yaml:"default_plan"`
	// Demo creates a demo tenant with a key pair on the first start.
	Demo bool `yaml:"demo"`
	// HTTP bounds what clients may hold of the web server and says which
	// reverse proxies to believe.
	HTTP HTTP `yaml:"http"`
	// Metrics says where Prometheus metrics are served and who may read them.
	Metrics Metrics `yaml:"metrics"`
	// Support configures the console's support requests.
	Support Support `yaml:"support"`
	// Payments, when a provider is set, charges invoices automatically.
	Payments Payments `yaml:"payments"`
	// Recording configures recordings, live streams and transcripts.
	Recording Recording `yaml:"recording"`
	// Procs sizes Go's scheduler: "auto" (the default) keeps GOMAXPROCS at
	// the Ps the load needs, from one when idle up to the machine's cores
	// (internal/sched); "cores" leaves it at the cores, as Go sets it. A
	// GOMAXPROCS environment variable wins over both.
	Procs string `yaml:"procs"`
}

// Support configures support requests.
type Support struct {
	// Email receives new support requests and members' replies (with
	// smtp.addr set); empty: the operator reads them in the inbox only.
	Email string `yaml:"email"`
}

// HTTP configures the web server's front door.
type HTTP struct {
	// TrustedProxies are the addresses or prefixes (10.0.0.0/8) of reverse
	// proxies in front of Confer: only from them are X-Forwarded-For (the
	// client's address, for rate limits) and X-Forwarded-Proto (https, for
	// Secure cookies) believed. Unset: loopback (a proxy on this machine);
	// an empty list ([] or "none"): nobody, the peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxInFlight is how many requests one client address may have in
	// progress at once; default 256.
	MaxInFlight int `yaml:"max_in_flight"`
	// BodyTimeout bounds the time to send a request body; default 60 s.
	BodyTimeout time.Duration `yaml:"body_timeout"`
	// MaxWebSockets is how many signaling connections one client address
	// may hold open; default 50.
	MaxWebSockets int `yaml:"max_websockets"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen serves /metrics on its own address (e.g. 127.0.0.1:9090, or a
	// private interface), without authentication; it is then not served
	// on the main address.
	Listen string `yaml:"listen"`
	// Token, when set, is a bearer token that may read /metrics on the
	// main address besides the admin token (for Prometheus's
	// authorization.credentials).
	Token string `yaml:"token"`
}

// Database selects the store.
type Database struct {
	// URL is postgres://… for PostgreSQL; empty for SQLite in the data dir.
	URL string `yaml:"url"`
}

// Token configures token verification beyond tenant API keys (those are
// always on): Prosody-style self-hosted tokens and their rules.
type Token struct {
	AppID             string        `yaml:"app_id"`
	AppSecret         string        `yaml:"app_secret"`
	AcceptedIssuers   []string      `yaml:"accepted_issuers"`
	AcceptedAudiences []string      `yaml:"accepted_audiences"`
	Domain            string        `yaml:"domain"`
	AllowEmptyToken   bool          `yaml:"allow_empty_token"`
	Leeway            time.Duration `yaml:"leeway"`
	ASAPKeyServer     string        `yaml:"asap_key_server"`
}

// TLS makes the server speak HTTPS, as Jitsi's external_api.js and
// @jitsi/react-sdk expect (they build https:// URLs).
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// SelfSigned generates a certificate into the data dir (local trials).
	SelfSigned bool `yaml:"self_signed"`
	// ACME, when it names domains, obtains and renews the certificate
	// automatically (Let's Encrypt by default).
	ACME ACME `yaml:"acme"`
}

// RTC configures the media (SFU) network side.
type RTC struct {
	// UDP is the one UDP address all media uses; default <listen host>:7882.
	UDP string `yaml:"udp"`
	// TCP is where media is also accepted over TCP (ICE-TCP), for networks
	// that block UDP; default <listen host>:7881; "off" turns it off.
	TCP string `yaml:"tcp"`
	// PublicIPs are announced to clients instead of local addresses (1:1 NAT).
	PublicIPs []string `yaml:"public_ips"`
	// ICEDisconnectedTimeout is how long without traffic a connection is
	// disconnected (default 5 s); ICEFailedTimeout how much longer until it
	// has failed (default 25 s). A connection that never connects fails
	// after both.
	ICEDisconnectedTimeout time.Duration `yaml:"ice_disconnected_timeout"`
	ICEFailedTimeout       time.Duration `yaml:"ice_failed_timeout"`
}

// TURN configures the embedded TURN server.
type TURN struct {
	// Disabled turns the embedded TURN server off.
	Disabled bool `yaml:"disabled"`
	// Listen is its UDP address; default <listen host>:3478.
	Listen string `yaml:"listen"`
	// RelayIP is the address clients reach it at; default the first public
	// IP, else the listen host.
	RelayIP string `yaml:"relay_ip"`
	// Secret signs credentials; default, in a cluster, one derived from
	// the cluster's shared link secret (so a home can hand out credentials
	// for another node's TURN server), else generated into
	// <data>/turn-secret. Set it alike on every node, or on none.
	Secret string `yaml:"secret"`
	// MaxAllocations is the relay allocations one participant's credential
	// may hold at once; default 16.
	MaxAllocations int `yaml:"max_allocations"`
	// TCP is where TURN is also served over TCP; default the listen address
	// (TCP port 3478); "off" turns it off.
	TCP string `yaml:"tcp"`
	// TLSListen, if set, serves TURN over TLS on a port of its own (e.g.
	// 0.0.0.0:5349), with the HTTPS certificate.
	TLSListen string `yaml:"tls_listen"`
	// TLSOnHTTPS serves TURN over TLS on the HTTPS port too (default true
	// when Confer serves HTTPS): connections whose TLS hello offers no
	// HTTP protocol (ALPN), as TURN clients' do, or that name Domain, go to
	// the TURN server. Networks that allow only HTTPS then still carry media.
	TLSOnHTTPS *bool `yaml:"tls_on_https"`
	// Domain is the name in the turns: URLs handed to clients (the TLS
	// certificate must be for it); default the host of public_url.
	Domain string `yaml:"domain"`
}

// Webhook configures webhook delivery.
type Webhook struct {
	// AllowPrivate lets endpoints be loopback or private addresses.
	AllowPrivate bool `yaml:"allow_private"`
	// Timeout of one attempt (default 10 s); MaxAge before a failing
	// delivery is dead (default 24 h); RetryBase the first retry delay,
	// doubling up to 1 h (default 5 s).
	Timeout   time.Duration `yaml:"timeout"`
	MaxAge    time.Duration `yaml:"max_age"`
	RetryBase time.Duration `yaml:"retry_base"`
	// RetryMax caps the delay between two attempts (default 1 h).
	RetryMax time.Duration `yaml:"retry_max"`
}

// Analytics configures meeting analytics.
type Analytics struct {
	// Retention is how long session records and join failures are kept
	// (default 90 days); meetings and MAU are kept for ever.
	Retention time.Duration `yaml:"retention"`
	// DevicesPerToken is how many devices one token (its user id, else the
	// token itself) counts as in a month's MAU; further devices count as
	// its first, so one shared meeting link cannot run up the bill.
	// Default 3.
	DevicesPerToken int `yaml:"devices_per_token"`
}

// Console configures the Developer Console's accounts.
type Console struct {
	// ClosedSignup stops people creating accounts on their own: only
	// invitations (and the operator) let them in.
	ClosedSignup bool `yaml:"closed_signup"`
	// SessionTTL is how long a console session lasts unused (default 7 days).
	SessionTTL time.Duration `yaml:"session_ttl"`
	// MaxPasswordChecks bounds the argon2id password hashes computed at
	// once, 19 MiB each (default two per core, at most 16); sign-ins
	// beyond it wait up to 2 s, then get 503 with Retry-After.
	MaxPasswordChecks int `yaml:"max_password_checks"`
}

// Redis is the cluster's shared memory: node registry and room claims.
type Redis struct {
	// URL is redis://[user:password@]host:port[/db]; empty: no cluster.
	URL string `yaml:"url"`
}

// Node describes this node in a cluster.
type Node struct {
	// ID names the node (default <hostname>-<port>).
	ID string `yaml:"id"`
	// URL is where clients reach this node directly, e.g.
	// https://node1.meet.example.com: other nodes send a room's
	// participants there. Default: the address it listens on.
	URL string `yaml:"url"`
	// Region names where the node is (e.g. "eu"): a participant whose join
	// hints at a region has its media on a node of it, the meeting
	// cascading there from its home node. Empty: no region.
	Region string `yaml:"region"`
	// MaxParticipants bounds the participants whose media the node carries
	// (its meetings' and other nodes' it is an edge for); when it is
	// reached, a meeting's new participants have their media on another
	// node, and when every node is full joins are refused. 0: no limit.
	MaxParticipants int `yaml:"max_participants"`
	// MaxCPUPercent is the share of the machine's CPU (0–100) above which
	// the node counts as full as max_participants does: new participants'
	// media goes to another node. 0: no bound.
	MaxCPUPercent int `yaml:"max_cpu_percent"`
	// RelayPorts is the UDP port range ("50000-50999") of the relays that
	// carry cascaded meetings between nodes, for a firewall to open between
	// them; empty: ephemeral ports.
	RelayPorts string `yaml:"relay_ports"`
	// DrainTimeout bounds how long a draining node waits for its meetings
	// to end before it exits (default 2h).
	DrainTimeout time.Duration `yaml:"drain_timeout"`
	// RegionHeader is the request header in which the load balancer names
	// a client's region (e.g. X-Confer-Region): a participant whose page
	// gives no region hint has its media placed by it. Empty: none.
	RegionHeader string `yaml:"region_header"`
	// ResumeWindow is how long a meeting handed over by a drained node
	// waits on its next node for the participants who were in it, who
	// come back as they were; those who do not have left (default 1m).
	ResumeWindow time.Duration `yaml:"resume_window"`
}

// SMTP is a mail server to send e-mail through.
type SMTP struct {
	// Addr is host:port, e.g. smtp.example.com:587 (STARTTLS is used when
	// the server offers it).
	Addr     string `yaml:"addr"`
	From     string `yaml:"from"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is json or text.
	Format string `yaml:"format"`
}

// Default returns the configuration of a one-machine deployment.
func Default() Config {
	return Config{
		Listen: "127.0.0.1:8080",
		Data:   "./confer-data",
		Log:    Log{Level: "info", Format: "text"},
		Demo:   true,
		Procs:  "auto",
	}
}

// Load returns Default, overridden by the YAML file at path (if path is not
// empty) and by the CONFER_* variables getenv returns.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// applyEnv overrides cfg with the CONFER_* variables that are set.
func applyEnv(cfg *Config, getenv func(string) string) error {
	str := map[string]*string{
		"CONFER_LISTEN":                  &cfg.Listen,
		"CONFER_DATA":                    &cfg.Data,
		"CONFER_PUBLIC_URL":              &cfg.PublicURL,
		"CONFER_ADMIN_TOKEN":             &cfg.AdminToken,
		"CONFER_DATABASE_URL":            &cfg.Database.URL,
		"CONFER_TOKEN_APP_ID":            &cfg.Token.AppID,
		"CONFER_TOKEN_APP_SECRET":        &cfg.Token.AppSecret,
		"CONFER_TOKEN_DOMAIN":            &cfg.Token.Domain,
		"CONFER_TOKEN_ASAP_KEY_SERVER":   &cfg.Token.ASAPKeyServer,
		"CONFER_LOG_LEVEL":               &cfg.Log.Level,
		"CONFER_PROCS":                   &cfg.Procs,
		"CONFER_LOG_FORMAT":              &cfg.Log.Format,
		"CONFER_RTC_UDP":                 &cfg.RTC.UDP,
		"CONFER_RTC_TCP":                 &cfg.RTC.TCP,
		"CONFER_TURN_TCP":                &cfg.TURN.TCP,
		"CONFER_TURN_TLS_LISTEN":         &cfg.TURN.TLSListen,
		"CONFER_TURN_DOMAIN":             &cfg.TURN.Domain,
		"CONFER_TURN_LISTEN":             &cfg.TURN.Listen,
		"CONFER_TURN_RELAY_IP":           &cfg.TURN.RelayIP,
		"CONFER_TURN_SECRET":             &cfg.TURN.Secret,
		"CONFER_TLS_CERT":                &cfg.TLS.Cert,
		"CONFER_TLS_KEY":                 &cfg.TLS.Key,
		"CONFER_TLS_ACME_DIRECTORY":      &cfg.TLS.ACME.Directory,
		"CONFER_TLS_ACME_EMAIL":          &cfg.TLS.ACME.Email,
		"CONFER_TLS_ACME_CA_ROOTS":       &cfg.TLS.ACME.CARoots,
		"CONFER_TLS_ACME_HTTP_LISTEN":    &cfg.TLS.ACME.HTTPListen,
		"CONFER_SMTP_ADDR":               &cfg.SMTP.Addr,
		"CONFER_RECORDING_DIR":           &cfg.Recording.Dir,
		"CONFER_RECORDING_S3_ENDPOINT":   &cfg.Recording.S3.Endpoint,
		"CONFER_RECORDING_S3_BUCKET":     &cfg.Recording.S3.Bucket,
		"CONFER_RECORDING_S3_ACCESS_KEY": &cfg.Recording.S3.AccessKey,
		"CONFER_RECORDING_S3_SECRET_KEY": &cfg.Recording.S3.SecretKey,
		"CONFER_REDIS_URL":               &cfg.Redis.URL,
		"CONFER_NODE_ID":                 &cfg.Node.ID,
		"CONFER_NODE_URL":                &cfg.Node.URL,
		"CONFER_NODE_REGION":             &cfg.Node.Region,
		"CONFER_NODE_REGION_HEADER":      &cfg.Node.RegionHeader,
		"CONFER_NODE_RELAY_PORTS":        &cfg.Node.RelayPorts,
		"CONFER_SMTP_FROM":               &cfg.SMTP.From,
		"CONFER_SMTP_USERNAME":           &cfg.SMTP.Username,
		"CONFER_SMTP_PASSWORD":           &cfg.SMTP.Password,
		"CONFER_SUPPORT_EMAIL":           &cfg.Support.Email,
		"CONFER_METRICS_LISTEN":          &cfg.Metrics.Listen,
		"CONFER_METRICS_TOKEN":           &cfg.Metrics.Token,
		"CONFER_STRIPE_SECRET_KEY":       &cfg.Payments.Stripe.SecretKey,
		"CONFER_STRIPE_WEBHOOK_SECRET":   &cfg.Payments.Stripe.WebhookSecret,
	}
	for name, dst := range str {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	lists := map[string]*[]string{
		"CONFER_TLS_ACME_DOMAINS":         &cfg.TLS.ACME.Domains,
		"CONFER_TOKEN_ACCEPTED_ISSUERS":   &cfg.Token.AcceptedIssuers,
		"CONFER_TOKEN_ACCEPTED_AUDIENCES": &cfg.Token.AcceptedAudiences,
		"CONFER_RTC_PUBLIC_IPS":           &cfg.RTC.PublicIPs,
		"CONFER_HTTP_TRUSTED_PROXIES":     &cfg.HTTP.TrustedProxies,
	}
	for name, dst := range lists {
		if v := getenv(name); v == "none" {
			*dst = []string{}
		} else if v != "" {
			*dst = strings.Split(v, ",")
		}
	}
	bools := map[string]*bool{
		"CONFER_TOKEN_ALLOW_EMPTY_TOKEN": &cfg.Token.AllowEmptyToken,
		"CONFER_DEMO":                    &cfg.Demo,
		"CONFER_TURN_DISABLED":           &cfg.TURN.Disabled,
		"CONFER_TLS_SELF_SIGNED":         &cfg.TLS.SelfSigned,
		"CONFER_WEBHOOK_ALLOW_PRIVATE":   &cfg.Webhook.AllowPrivate,
		"CONFER_CONSOLE_CLOSED_SIGNUP":   &cfg.Console.ClosedSignup,
		"CONFER_RECORDING_S3_INSECURE":   &cfg.Recording.S3.Insecure,
		"CONFER_RECORDING_S3_PATH_STYLE": &cfg.Recording.S3.PathStyle,
	}
	for name, dst := range bools {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not a boolean", name, v)
			}
			*dst = b
		}
	}
	for name, dst := range map[string]*time.Duration{
		"CONFER_WEBHOOK_TIMEOUT": &cfg.Webhook.Timeout, "CONFER_WEBHOOK_MAX_AGE": &cfg.Webhook.MaxAge,
		"CONFER_ANALYTICS_RETENTION":          &cfg.Analytics.Retention,
		"CONFER_CONSOLE_SESSION_TTL":          &cfg.Console.SessionTTL,
		"CONFER_NODE_DRAIN_TIMEOUT":           &cfg.Node.DrainTimeout,
		"CONFER_NODE_RESUME_WINDOW":           &cfg.Node.ResumeWindow,
		"CONFER_RTC_ICE_DISCONNECTED_TIMEOUT": &cfg.RTC.ICEDisconnectedTimeout, "CONFER_RTC_ICE_FAILED_TIMEOUT": &cfg.RTC.ICEFailedTimeout,
		"CONFER_WEBHOOK_RETRY_BASE": &cfg.Webhook.RetryBase, "CONFER_WEBHOOK_RETRY_MAX": &cfg.Webhook.RetryMax,
		"CONFER_HTTP_BODY_TIMEOUT": &cfg.HTTP.BodyTimeout,
	} {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q: %w", name, v, err)
			}
			*dst = d
		}
	}
	for name, dst := range map[string]*int{
		"CONFER_HTTP_MAX_IN_FLIGHT": &cfg.HTTP.MaxInFlight, "CONFER_HTTP_MAX_WEBSOCKETS": &cfg.HTTP.MaxWebSockets,
		"CONFER_TURN_MAX_ALLOCATIONS": &cfg.TURN.MaxAllocations, "CONFER_ANALYTICS_DEVICES_PER_TOKEN": &cfg.Analytics.DevicesPerToken,
		"CONFER_NODE_MAX_PARTICIPANTS": &cfg.Node.MaxParticipants, "CONFER_NODE_MAX_CPU_PERCENT": &cfg.Node.MaxCPUPercent,
	} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not a whole number", name, v)
			}
			*dst = n
		}
	}
	if v := getenv("CONFER_TOKEN_LEEWAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("config: CONFER_TOKEN_LEEWAY=%q: %w", v, err)
		}
		cfg.Token.Leeway = d
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("config: listen %q: %w", c.Listen, err)
	}
	if c.Data == "" {
		return errors.New("config: data directory is empty")
	}
	if u := c.Database.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite://") {
		return fmt.Errorf("config: database.url must start with postgres:// or sqlite://")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log.level %q is not debug, info, warn or error", c.Log.Level)
	}
	if c.Procs != "auto" && c.Procs != "cores" {
		return fmt.Errorf("config: procs %q is not auto or cores", c.Procs)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		return fmt.Errorf("config: log.format %q is not json or text", c.Log.Format)
	}
	if c.Token.Leeway < 0 || c.Token.Leeway > time.Hour {
		return fmt.Errorf("config: token.leeway %v must be between 0 and 1h", c.Token.Leeway)
	}
	if c.Redis.URL != "" && !strings.HasPrefix(c.Database.URL, "postgres://") && !strings.HasPrefix(c.Database.URL, "postgresql://") {
		return errors.New("config: redis.url makes a cluster, whose nodes share one PostgreSQL database: set database.url to postgres://…")
	}
	if c.Node.URL != "" {
		if u, err := url.Parse(c.Node.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: node.url %q must be http(s)://host[:port]", c.Node.URL)
		}
	}
	if c.SMTP.Addr != "" && c.SMTP.From == "" {
		return errors.New("config: smtp.from (CONFER_SMTP_FROM) is required with smtp.addr")
	}
	if c.Console.SessionTTL < 0 || (c.Console.SessionTTL != 0 && c.Console.SessionTTL < 5*time.Minute) {
		return fmt.Errorf("config: console.session_ttl %v must be at least 5m", c.Console.SessionTTL)
	}
	if c.Analytics.Retention != 0 && c.Analytics.Retention < 24*time.Hour {
		return fmt.Errorf("config: analytics.retention %v must be at least 24h", c.Analytics.Retention)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("config: tls.cert and tls.key go together")
	}
	if c.TLS.SelfSigned && c.TLS.Cert != "" {
		return errors.New("config: choose tls.cert/tls.key or tls.self_signed, not both")
	}
	if err := c.TLS.validateACME(); err != nil {
		return err
	}
	for _, ip := range c.RTC.PublicIPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("config: rtc.public_ips: %q is not an IP address", ip)
		}
	}
	if _, _, err := net.SplitHostPort(c.MediaUDP()); err != nil {
		return fmt.Errorf("config: rtc.udp %q: %w", c.RTC.UDP, err)
	}
	for name, addr := range map[string]string{"rtc.tcp": c.MediaTCP(), "turn.tcp": c.TURNTCP(), "turn.tls_listen": c.TURN.TLSListen} {
		if _, _, err := net.SplitHostPort(addr); addr != "" && err != nil {
			return fmt.Errorf("config: %s %q: %w (or \"off\")", name, addr, err)
		}
	}
	if _, err := forwarded.New(c.HTTP.TrustedProxies); err != nil {
		return fmt.Errorf("config: http.trusted_proxies: %w", err)
	}
	if c.HTTP.MaxInFlight < 0 || c.Console.MaxPasswordChecks < 0 || c.TURN.MaxAllocations < 0 || c.Analytics.DevicesPerToken < 0 || c.HTTP.MaxWebSockets < 0 || c.HTTP.BodyTimeout < 0 {
		return errors.New("config: http.max_in_flight, http.max_websockets and http.body_timeout must not be negative")
	}
	if c.Node.MaxParticipants < 0 {
		return fmt.Errorf("config: node.max_participants %d must not be negative (0: no limit)", c.Node.MaxParticipants)
	}
	if c.Node.MaxCPUPercent < 0 || c.Node.MaxCPUPercent > 100 {
		return fmt.Errorf("config: node.max_cpu_percent %d must be between 0 (no bound) and 100", c.Node.MaxCPUPercent)
	}
	if _, _, err := c.RelayPortRange(); err != nil {
		return err
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return fmt.Errorf("config: metrics.listen %q: %w", c.Metrics.Listen, err)
		}
	}
	if c.Metrics.Token != "" && len(c.Metrics.Token) < 16 {
		return errors.New("config: metrics.token is shorter than 16 characters")
	}
	if c.Token.AppSecret != "" && len(c.Token.AppSecret) < 16 {
		return errors.New("config: token.app_secret is shorter than 16 characters")
	}
	return nil
}
