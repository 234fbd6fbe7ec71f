package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// childServer is a `confer serve` the load test started on loopback
// addresses, with its own data directory.
type childServer struct {
	URL        string
	AdminToken string
	PID        int
	// MetricsURL serves /metrics and /debug/pprof/ when the child was
	// started with a metrics listener; else "" (/metrics is on URL).
	MetricsURL string

	cmd    *exec.Cmd
	data   string
	exited chan struct{}
	err    error // the process's exit, set before exited is closed
}

// startServer runs `<exe> serve` on a free 127.0.0.1 port with a fresh data
// directory, its media and TURN on ephemeral 127.0.0.1 UDP ports, and waits
// until GET /healthz answers. stderr receives the server's log (level warn).
//
// With opts.TLS it serves HTTPS with a self-signed certificate (so that TURN
// over TLS can be measured), which this process then trusts: SSL_CERT_FILE
// is pointed at the certificate before anything here verifies one (Go reads
// the system roots once, at the first verification). With opts.Profiling
// its metrics and profiles are served on a listener of their own.
func startServer(ctx context.Context, exe string, stderr io.Writer, opts childOptions) (*childServer, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("loadtest: locate the confer binary: %w", err)
		}
	}
	addr, err := freeLoopbackPort()
	if err != nil {
		return nil, err
	}
	data, err := os.MkdirTemp("", "confer-loadtest-")
	if err != nil {
		return nil, fmt.Errorf("loadtest: data directory: %w", err)
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	s := &childServer{URL: "http://" + addr, AdminToken: hex.EncodeToString(secret), data: data, exited: make(chan struct{})}

	cmd := exec.Command(exe, "serve", "--listen", addr, "--data", data)
	cmd.Env = append(withoutConferEnv(os.Environ()),
		"CONFER_ADMIN_TOKEN="+s.AdminToken,
		"CONFER_DEMO=false",
		"CONFER_RTC_UDP=127.0.0.1:0",
		"CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_LISTEN=127.0.0.1:0",
		"CONFER_LOG_LEVEL=warn",
		"CONFER_HTTP_MAX_WEBSOCKETS=100000", // every simulated participant comes from 127.0.0.1
	)
	if opts.TLS {
		s.URL = "https://" + addr
		cmd.Env = append(cmd.Env, "CONFER_TLS_SELF_SIGNED=true")
	}
	if opts.Profiling {
		maddr, err := freeLoopbackPort()
		if err != nil {
			os.RemoveAll(data)
			return nil, err
		}
		s.MetricsURL = "http://" + maddr
		cmd.Env = append(cmd.Env, "CONFER_METRICS_LISTEN="+maddr)
	}
	cmd.Stdout = io.Discard // the first-start guide
	cmd.Stderr = &prefixWriter{w: stderr, prefix: "server: "}
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		os.RemoveAll(data)
		return nil, fmt.Errorf("loadtest: start %s serve: %w", exe, err)
	}
	s.cmd, s.PID = cmd, cmd.Process.Pid
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	if opts.TLS {
		if err := s.trustCertificate(ctx); err != nil {
			s.Stop()
			return nil, err
		}
	}
	if err := s.waitHealthy(ctx, 30*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// childOptions says how to start the child server.
type childOptions struct {
	TLS       bool // serve HTTPS with a self-signed certificate
	Profiling bool // serve /metrics and /debug/pprof/ on their own listener
}

// selfSignedCert is the file the server writes its self-signed certificate
// to in its data directory (server.SelfSignedCert).
const selfSignedCert = "tls-self-signed.crt"

// trustCertificate waits for the child's certificate and makes this
// process trust it.
func (s *childServer) trustCertificate(ctx context.Context) error {
	path := filepath.Join(s.data, selfSignedCert)
	for {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return os.Setenv("SSL_CERT_FILE", path)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("loadtest: the server exited before writing its certificate: %w", s.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// prefixWriter writes each line with a prefix, to tell the server's log
// from the clients' (pion logs to this process's stderr).
type prefixWriter struct {
	w       io.Writer
	prefix  string
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	var out []byte
	for _, c := range b {
		if !p.midLine {
			out = append(out, p.prefix...)
			p.midLine = true
		}
		out = append(out, c)
		if c == '\n' {
			p.midLine = false
		}
	}
	if _, err := p.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

// withoutConferEnv drops the CONFER_* variables of the environment, so
// that the operator's settings (a PostgreSQL URL, public IPs, …) do not
// leak into the throw-away server.
func withoutConferEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CONFER_") {
			out = append(out, kv)
		}
	}
	return out
}

// freeLoopbackPort returns 127.0.0.1:<a port free right now>.
func freeLoopbackPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *childServer) waitHealthy(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/healthz", nil)
		if err != nil {
			return fmt.Errorf("loadtest: healthz: %w", err)
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("loadtest: the server exited before becoming healthy: %w", s.err)
		case <-ctx.Done():
			return fmt.Errorf("loadtest: waiting for %s/healthz: %w", s.URL, ctx.Err())
		case <-tick.C:
		}
	}
}

// Stop asks the server to shut down (SIGTERM), kills it if it has not
// exited within 5 s and removes its data directory.
func (s *childServer) Stop() {
	defer os.RemoveAll(s.data)
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// checkLoopback refuses a server URL whose host is not a loopback address:
// the load test only ever talks to this machine (the meeting client only
// uses loopback ICE candidates anyway).
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loadtest: server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("loadtest: server URL %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("loadtest: server URL %q: only loopback servers (127.0.0.1, ::1, localhost) can be load-tested", raw)
	}
	return nil
}
