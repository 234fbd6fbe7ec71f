package doctor

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/confer-video/confer/internal/api"
)

// probe is an open media probe of the node.
type probe struct {
	conn  *websocket.Conn
	hello api.ProbeMessage
}

// openProbe dials the node's media probe and reads its hello.
func (d *doctor) openProbe(ctx context.Context) (*probe, error) {
	u := d.base.JoinPath("api/v1/node/probe")
	u.Scheme = map[string]string{"https": "wss", "http": "ws"}[u.Scheme]
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: d.httpClient(),
		HTTPHeader: http.Header{"Authorization": {"Bearer " + d.cfg.Token}},
	})
	if err != nil {
		return nil, refusal(resp, err)
	}
	conn.SetReadLimit(1 << 20)
	p := &probe{conn: conn}
	if err := wsjson.Read(ctx, conn, &p.hello); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("reading its hello: %w", err)
	}
	if p.hello.Type != api.ProbeHello {
		conn.CloseNow()
		return nil, fmt.Errorf("%w: it said %q, not hello", ErrNoProbe, p.hello.Type)
	}
	return p, nil
}

// refusal explains a failed probe handshake.
func refusal(resp *http.Response, err error) error {
	if resp == nil {
		return fmt.Errorf("%s", reachError(err))
	}
	var body api.Error
	b, _ := io.ReadAll(resp.Body)
	msg := string(b)
	if json.Unmarshal(b, &body) == nil && body.Error.Message != "" {
		msg = body.Error.Message
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusServiceUnavailable:
		return fmt.Errorf("%w (%d): %s", ErrProbeRefused, resp.StatusCode, msg)
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusOK:
		return fmt.Errorf("%w (GET /api/v1/node/probe answered %d)", ErrNoProbe, resp.StatusCode)
	}
	return fmt.Errorf("GET /api/v1/node/probe answered %d: %s", resp.StatusCode, msg)
}

// probeFix says what to do about a probe that failed.
func probeFix(err error) string {
	switch {
	case errors.Is(err, ErrProbeRefused):
		return "the probe needs the operator's admin token (--token or CONFER_ADMIN_TOKEN; <data>/admin-token on the server); a busy node: try again"
	case errors.Is(err, ErrNoProbe):
		return "upgrade Confer on the server; a reverse proxy in front must pass /api/v1/ WebSockets through"
	}
	return "see the server's log"
}

// exchange sends the offer and returns the node's answer.
func (p *probe) exchange(ctx context.Context, offer string) (string, error) {
	if err := wsjson.Write(ctx, p.conn, api.ProbeMessage{Type: api.ProbeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("sending the offer: %w", err)
	}
	var m api.ProbeMessage
	if err := wsjson.Read(ctx, p.conn, &m); err != nil {
		return "", fmt.Errorf("waiting for the answer: %w", err)
	}
	switch m.Type {
	case api.ProbeAnswer:
		return m.SDP, nil
	case api.ProbeError:
		return "", fmt.Errorf("the node refused the offer: %s", m.Message)
	}
	return "", fmt.Errorf("the node sent %q instead of an answer", m.Type)
}

func (p *probe) close() { p.conn.Close(websocket.StatusNormalClosure, "done") }

// turnTLS is the TLS configuration of TURN over TLS: verified as a
// browser would, against Config.RootCAs (the system's when nil).
//
// pion's own TURN-over-TLS client verifies against the system roots only
// (pion/ice gather.go: tls.Config{ServerName, InsecureSkipVerify} and no
// way to pass roots), so the doctor hands pion a proxy dialer
// (SettingEngine.SetICEProxyDialer) that makes the TLS connection itself:
// --ca applies, and a refused certificate is reported with its reason.
func (d *doctor) turnTLS() *tls.Config {
	return &tls.Config{RootCAs: d.cfg.RootCAs, MinVersion: tls.VersionTLS12}
}
