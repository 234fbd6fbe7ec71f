package test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store/storetest"
)

// buildConfer compiles cmd/confer once per test binary.
var buildConfer = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "confer-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "confer")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/confer").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// cli runs the confer binary and returns stdout and the exit code.
type cli struct {
	t   *testing.T
	bin string
	env []string
	dir string
	// tail is appended to every command line (e.g. --server URL --token T).
	tail []string
	// stderr is the last run's standard error.
	stderr *bytes.Buffer
}

// withArgs returns c with args appended to every command line.
func (c cli) withArgs(args ...string) cli {
	c.tail = append(append([]string{}, c.tail...), args...)
	return c
}

// fail runs a command that must fail and returns its exit code and its
// standard output and error together.
func (c cli) fail(args ...string) (string, int) {
	c.t.Helper()
	c.stderr = &bytes.Buffer{}
	out, code := c.run("", args...)
	if code == 0 {
		c.t.Fatalf("confer %s succeeded: %s", strings.Join(args, " "), out)
	}
	return out + "\n" + c.stderr.String(), code
}

func (c cli) run(stdin string, args ...string) (string, int) {
	c.t.Helper()
	args = append(append([]string{}, args...), c.tail...)
	cmd := exec.Command(c.bin, args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("confer %v: %v", args, err)
	}
	if code == 2 {
		c.t.Logf("confer %v stderr: %s", args, stderr.String())
	}
	if c.stderr != nil {
		c.stderr.Write(stderr.Bytes())
	}
	return strings.TrimSpace(stdout.String()), code
}

func (c cli) must(args ...string) string {
	c.t.Helper()
	out, code := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("confer %s: exit %d: %s", strings.Join(args, " "), code, out)
	}
	return out
}

// TestBinary runs `confer serve` as a new user would, follows the guide it
// prints, and checks tokens made by other implementations (openssl, 8x8's
// Node sample with jsonwebtoken, golang-jwt) with the CLI.
func TestBinary(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	work := t.TempDir()
	addr := freePort(t)
	env := append(os.Environ(),
		"CONFER_ADMIN_TOKEN="+adminToken,
		"CONFER_SERVER=http://"+addr,
		"CONFER_TOKEN_APP_ID=my_app",
		"CONFER_TOKEN_APP_SECRET=self-hosted-secret-0123456789",
		"CONFER_RTC_UDP=127.0.0.1:0",
		"CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_LISTEN=127.0.0.1:0",
	)
	serve := exec.Command(bin, "serve", "--listen", addr, "--data", filepath.Join(work, "data"))
	serve.Env, serve.Dir = env, work
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	serve.Stderr = &stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })

	guide := readGuide(t, stdout)
	tenantID := match(t, guide, `Demo tenant:\s+(\S+)`)
	kid := match(t, guide, `API key \(kid\):\s+(\S+)`)
	keyFile := match(t, guide, `Private key:\s+(\S+)`)
	mintLine := match(t, guide, `JWT=\$\((.*)\)`)
	if !strings.HasPrefix(kid, tenantID+"/") {
		t.Fatalf("kid %q does not belong to tenant %q", kid, tenantID)
	}
	if !filepath.IsAbs(keyFile) {
		keyFile = filepath.Join(work, keyFile)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("demo private key %s: %v; want mode 0600", keyFile, err)
	}
	privPEM, _ := os.ReadFile(keyFile)
	priv, err := rsakey.ParsePrivate(privPEM)
	if err != nil || priv.N.BitLen() != 4096 {
		t.Fatalf("demo key: %v; want RSA-4096", err)
	}
	waitHealthy(t, "http://"+addr)
	if runtime.NumCPU() > 1 {
		// procs: auto (the default): a server with nothing to do runs on one P.
		eventually(t, 10*time.Second, "GOMAXPROCS of an idle server at 1", func() bool {
			return servedMetric(t, "http://"+addr, "go_sched_gomaxprocs_threads") == "1"
		})
	}

	c := cli{t: t, bin: bin, env: env, dir: work}
	// Follow the printed guide word for word.
	args := splitArgs(t, strings.TrimPrefix(mintLine, bin+" "))
	jwtDemo := c.must(args...)
	room := tenantID + "/demo"
	if out := c.must("token", "check", jwtDemo, "--room", room); !strings.Contains(out, "valid") || !strings.Contains(out, "moderator true") {
		t.Errorf("check of the guide's token: %s", out)
	}
	if out, code := c.run("", "token", "check", jwtDemo, "--room", tenantID+"/elsewhere"); code != 1 || !strings.Contains(out, "roomMismatch") {
		t.Errorf("wrong room: exit %d, %s; want 1 and roomMismatch", code, out)
	}
	if out, code := c.run(jwtDemo, "token", "check", "-", "--room", room); code != 0 {
		t.Errorf("token from stdin: exit %d, %s", code, out)
	}
	followInviteLine(t, c, guide, "http://"+addr, tenantID)

	// A tenant with a key pair made by `confer keys generate`.
	acme := c.must("tenant", "create", "Acme")
	c.must("keys", "generate", "acme", "--bits", "2048")
	for file, mode := range map[string]os.FileMode{"acme.key": 0o600, "acme.key.pub": 0o644} {
		if st, err := os.Stat(filepath.Join(work, file)); err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v, want mode %v", file, err, mode)
		}
	}
	if _, code := c.run("", "keys", "generate", "acme"); code == 0 {
		t.Error("keys generate overwrote existing files without --force")
	}
	acmeKID := c.must("keys", "upload", "acme.key.pub", "--tenant", acme)
	acmeRoom := acme + "/sales-east"
	valid := func(name, jwt, room string) {
		t.Helper()
		out, code := c.run("", "token", "check", jwt, "--room", room)
		if code != 0 {
			t.Errorf("%s: token refused (exit %d): %s", name, code, out)
		}
	}
	valid("confer token mint", c.must("token", "mint", "--key", "acme.key", "--kid", acmeKID, "--room", acmeRoom,
		"--name", "Bob", "--email", "bob@example.com", "--feature", "recording=true", "--ttl", "10m"), acmeRoom)
	valid("regex room", c.must("token", "mint", "--key", "acme.key", "--kid", acmeKID, "--room", acme+"/sales%-.*", "--regex"), acmeRoom)
	valid("HS256 self-hosted", c.must("token", "mint", "--secret", "self-hosted-secret-0123456789", "--iss", "my_app", "--room", acmeRoom), acmeRoom)

	// Tokens from independent implementations.
	now := time.Now().Unix()
	payload := map[string]any{
		"aud": "jitsi", "iss": "chat", "sub": acme, "room": "sales-east", "exp": now + 3600, "nbf": now - 10,
		"context": map[string]any{"user": map[string]any{"name": "OpenSSL", "moderator": "false"}, "features": map[string]any{}},
	}
	valid("openssl dgst -sign", opensslToken(t, work, "acme.key", map[string]any{"alg": "RS256", "typ": "JWT", "kid": acmeKID}, payload), acmeRoom)
	delete(payload, "nbf")
	valid("no nbf, like 8x8's Python sample", opensslToken(t, work, "acme.key", map[string]any{"alg": "RS256", "typ": "JWT", "kid": acmeKID}, payload), acmeRoom)
	valid("golang-jwt with typ jwt, like 8x8's Go sample", golangJWT(t, filepath.Join(work, "acme.key"), acmeKID, acme), acmeRoom)
	if node := nodeToken(t, filepath.Join(work, "acme.key"), acmeKID, acme, "sales-east"); node != "" {
		valid("jsonwebtoken, like 8x8's Node sample", node, acmeRoom)
	}

	// A key made the way JaaS's guide says: ssh-keygen + openssl -pubout.
	for _, step := range [][]string{
		{"ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", "jaasauth.key"},
		{"openssl", "rsa", "-in", "jaasauth.key", "-pubout", "-outform", "PEM", "-out", "jaasauth.key.pub"},
	} {
		cmd := exec.Command(step[0], step[1:]...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", step, err, out)
		}
	}
	guideKID := c.must("keys", "upload", "jaasauth.key.pub", "--tenant", acme, "--id", "4f4910")
	if guideKID != acme+"/4f4910" {
		t.Errorf("upload with --id: kid %q", guideKID)
	}
	valid("ssh-keygen key, openssl signature", opensslToken(t, work, "jaasauth.key", map[string]any{"alg": "RS256", "typ": "JWT", "kid": guideKID}, payload), acmeRoom)

	// Revoke the key: its tokens are refused with keyRevoked.
	jwtAcme := c.must("token", "mint", "--key", "acme.key", "--kid", acmeKID, "--room", acmeRoom)
	c.must("keys", "revoke", acmeKID)
	if out, code := c.run("", "token", "check", jwtAcme, "--room", acmeRoom); code != 1 || !strings.Contains(out, "keyRevoked") {
		t.Errorf("after revoke: exit %d, %s; want 1 and keyRevoked", code, out)
	}
	if out := c.must("keys", "list", "--tenant", acme); !strings.Contains(out, "revoked") {
		t.Errorf("keys list does not show the revocation: %s", out)
	}

	// Webhook endpoints from the CLI; loopback targets are refused by default.
	if out, code := c.run("", "webhooks", "create", "http://127.0.0.1:9/hook", "--events", "ROOM_CREATED", "--tenant", acme); code == 0 {
		t.Errorf("a loopback webhook was accepted: %s", out)
	}
	created := c.must("webhooks", "create", "https://hooks.example.com/jaas", "--events", "ROOM_CREATED,PARTICIPANT_JOINED",
		"--authorization", "Bearer x", "--tenant", acme)
	hookID := match(t, created, `id\s+(\S+)`)
	if !strings.Contains(created, "whsec_") {
		t.Errorf("create does not show the secret: %s", created)
	}
	if out := c.must("webhooks", "list", "--tenant", acme); !strings.Contains(out, hookID) || strings.Contains(out, "whsec_") {
		t.Errorf("webhooks list: %s", out)
	}
	c.must("webhooks", "disable", hookID, "--tenant", acme)
	c.must("webhooks", "test", hookID, "--tenant", acme)
	if out := c.must("webhooks", "deliveries", hookID, "--tenant", acme); !strings.Contains(out, "TEST") {
		t.Errorf("webhooks deliveries: %s", out)
	}
	c.must("webhooks", "delete", hookID, "--tenant", acme)

	// Usage, plan and invoices from the CLI.
	if out := c.must("billing", "usage", "--tenant", acme); !regexp.MustCompile(`mau\s+0 of 25 included`).MatchString(out) {
		t.Errorf("billing usage: %s", out)
	}
	if out, code := c.run("", "billing", "plan", "set", "gold", "--tenant", acme); code == 0 {
		t.Errorf("an unknown plan: exit %d, %s", code, out)
	}
	if out := c.must("billing", "plan", "--tenant", acme); !strings.Contains(out, "Free (free): $0.00 a month, 25 MAU included, $0.99 per MAU beyond") {
		t.Errorf("billing plan: %s", out)
	}
	if out, code := c.run("", "billing", "close", time.Now().UTC().Format("2006-01")); code == 0 {
		t.Errorf("closing the current month: exit %d, %s", code, out)
	}
	if out := c.must("billing", "invoices", "--tenant", acme); !strings.HasPrefix(out, "ID") {
		t.Errorf("billing invoices: %s", out)
	}

	// SIGTERM drains and exits cleanly.
	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not exit after SIGTERM")
	}
	if strings.Contains(stderr.String(), jwtDemo) || strings.Contains(stderr.String(), adminToken) {
		t.Error("server log contains a token")
	}
}

func readGuide(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var guide strings.Builder
	deadline := time.After(90 * time.Second) // RSA-4096 generation on a slow machine
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited; printed:\n%s", guide.String())
			}
			guide.WriteString(line + "\n")
			if strings.Contains(line, " members invite ") { // the guide's last line
				go func() {
					for range lines {
					}
				}()
				return guide.String()
			}
		case <-deadline:
			t.Fatalf("no guide printed; got:\n%s", guide.String())
		}
	}
}

// followInviteLine runs the guide's way into the demo tenant after someone
// else has signed up with the operator's address (sign-up addresses are not
// verified): the guide invites, so the squatter gets nothing, and the link
// goes to whoever ran the command.
func followInviteLine(t *testing.T, c cli, guide, base, tenantID string) {
	t.Helper()
	const operator = "operator@company.example"
	jar, _ := cookiejar.New(nil)
	squatter := &http.Client{Jar: jar}
	resp, err := squatter.Post(base+"/api/v1/auth/signup", "application/json",
		strings.NewReader(`{"email": "`+operator+`", "password": "`+testPassword+`"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("squatter sign-up: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	line := strings.ReplaceAll(match(t, guide, `(?m)^\s*\S+ (members invite .*)$`), "YOU@EXAMPLE.COM", operator)
	if out := c.must(splitArgs(t, line)...); !strings.Contains(out, "/console/invitation") && !strings.Contains(out, "link") {
		t.Errorf("the guide's invite line printed no link: %s", out)
	}
	resp, err = squatter.Get(base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ Tenants []struct{ Tenant string } }
	json.NewDecoder(resp.Body).Decode(&me)
	for _, m := range me.Tenants {
		if m.Tenant == tenantID {
			t.Errorf("following the guide made the squatter of %s a member of the demo tenant", operator)
		}
	}
}

func match(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%q not found in:\n%s", pattern, s)
	}
	return m[1]
}

// splitArgs splits a printed command line, honouring double quotes.
func splitArgs(t *testing.T, line string) []string {
	t.Helper()
	var args []string
	var cur strings.Builder
	inQuote := false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == ' ' && !inQuote:
			if cur.Len() > 0 {
				args = append(args, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		args = append(args, cur.String())
	}
	return args
}

// servedMetric is the value of an unlabelled metric the server at base
// exposes on /metrics, or "" without it.
func servedMetric(t *testing.T, base, name string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return v
		}
	}
	return ""
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for range 100 {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", base)
}

// opensslToken signs with `openssl dgst -sha256 -sign`, independent of Go.
func opensslToken(t *testing.T, dir, keyFile string, header, payload map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	cmd := exec.Command("openssl", "dgst", "-sha256", "-sign", keyFile)
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(input)
	sig, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func golangJWT(t *testing.T, keyFile, kid, tenant string) string {
	t.Helper()
	pem, _ := os.ReadFile(keyFile)
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": "jitsi", "iss": "chat", "sub": tenant, "room": "*",
		"exp": time.Now().Add(time.Hour).Unix(), "nbf": time.Now().Add(-10 * time.Second).Unix(),
		"context": map[string]any{"user": map[string]any{"name": "Go Sample", "moderator": "true"},
			"features": map[string]any{"recording": "false"}},
	})
	tok.Header["kid"] = kid
	tok.Header["typ"] = "jwt"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// nodeToken runs test/interop/sign.js; "" (skip) when its packages are not
// installed outside CI.
func nodeToken(t *testing.T, keyFile, kid, tenant, room string) string {
	t.Helper()
	if _, err := os.Stat("interop/node_modules/jsonwebtoken"); err != nil {
		if storetest.Required() {
			t.Fatalf("test/interop/node_modules missing: ./scripts/test runs npm ci there")
		}
		t.Log("skipping the Node sample: run ./scripts/test (npm ci in test/interop)")
		return ""
	}
	out, err := exec.Command("node", "interop/sign.js", keyFile, kid, tenant, room).Output()
	if err != nil {
		t.Fatalf("node sign.js: %v", err)
	}
	return string(out)
}
