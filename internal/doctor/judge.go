package doctor

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// judge says whether a path worked and, if not, what is wrong and what to
// do about it.
func judge(p mediaPath, a attempt, host []netip.Addr, timeout time.Duration) (Status, string, string) {
	if a.err != nil {
		return StatusFail, "media probe: " + a.err.Error(), probeFix(a.err)
	}
	if p.relayed() {
		return judgeRelayed(p, a, timeout)
	}
	return judgeDirect(p, a, host, timeout)
}

// judgeDirect judges UDP and ICE-TCP straight to the SFU.
func judgeDirect(p mediaPath, a attempt, host []netip.Addr, timeout time.Duration) (Status, string, string) {
	proto := map[string]string{pathUDP: "UDP", pathTCP: "TCP"}[p.name]
	sfu := a.sfuAddr(p.name)
	_, port, _ := net.SplitHostPort(sfu)
	switch {
	case p.name == pathTCP && sfu == "" && a.remote != nil:
		return StatusFail, "ICE over TCP is off on this server (rtc.tcp: off)",
			"remove rtc.tcp: off (default: TCP 7881) and open that port inbound: participants whose networks block UDP need it, or TURN over TLS"
	case sfu == "":
		return StatusFail, "the SFU announced no " + proto + " address", "see the server's log"
	case a.echoed && a.pair != nil && a.pair.Remote.Typ == webrtc.ICECandidateTypePrflx:
		return StatusFail, fmt.Sprintf("connected only because the SFU reached this machine first, from %s, not at its announced address %s",
				net.JoinHostPort(a.pair.Remote.Address, itoa(int(a.pair.Remote.Port))), sfu),
			"rtc.public_ips must be the address participants reach this server at" + publicIPHint(a, host)
	case a.echoed:
		return StatusOK, pairString(a.pair), ""
	case p.name == pathTCP && a.reach != nil:
		return StatusFail, fmt.Sprintf("TCP %s unreachable from here: %s", sfu, reachError(a.reach)),
			"open TCP " + port + " inbound to this server, or rely on TURN over TLS" + publicIPHint(a, host)
	}
	return StatusFail, fmt.Sprintf("%s %s unreachable from here: no media in %s", proto, sfu, timeout),
		"open " + proto + " " + port + " inbound to this server, or rely on TURN" + publicIPHint(a, host)
}

// publicIPHint points at rtc.public_ips when the SFU announces none of the
// server name's addresses.
func publicIPHint(a attempt, host []netip.Addr) string {
	var announced []string
	for _, c := range a.remote {
		ip, _, _ := net.SplitHostPort(c.addr)
		if a, err := netip.ParseAddr(ip); err == nil && slices.Contains(host, a.Unmap()) {
			return ""
		}
		if !slices.Contains(announced, ip) {
			announced = append(announced, ip)
		}
	}
	if len(announced) == 0 || len(host) == 0 {
		return ""
	}
	return fmt.Sprintf("; the SFU announces %s but this server is reached at %s: if that is its public address, set rtc.public_ips to it",
		strings.Join(announced, ", "), host[0])
}

// judgeRelayed judges the TURN paths.
func judgeRelayed(p mediaPath, a attempt, timeout time.Duration) (Status, string, string) {
	at := p.target()
	_, port, _ := net.SplitHostPort(at)
	proto := map[string]string{pathTURNUDP: "UDP", pathTURNTCP: "TCP", pathTURNTLS: "TCP"}[p.name]
	var te *tlsError
	switch {
	case a.echoed:
		return StatusOK, "relayed at " + a.relay + " to the SFU at " + remoteString(a.pair), ""
	case errors.As(a.reach, &te):
		return judgeTLS(p, te)
	case a.reach != nil:
		return StatusFail, fmt.Sprintf("TURN at %s over %s unreachable from here: %s", at, strings.ToUpper(proto), reachError(a.reach)),
			"open " + proto + " " + port + " inbound to this server; turn.relay_ip (or rtc.public_ips) must be the address participants reach it at"
	case !a.gathered:
		return StatusFail, fmt.Sprintf("TURN at %s gave no relay address within %s", at, timeout), relayFix(p)
	case a.relay == "":
		return StatusFail, fmt.Sprintf("TURN at %s was reached but gave no relay address", at), relayFix(p)
	}
	return StatusFail, fmt.Sprintf("TURN at %s relayed from %s, but no media reached the SFU (%s) through it in %s", at, a.relay, sfuList(a), timeout),
		"TURN relays only to the SFU's announced addresses: rtc.public_ips and turn.relay_ip must be this server's public address"
}

// judgeTLS explains a refused TLS connection to TURN.
func judgeTLS(p mediaPath, te *tlsError) (Status, string, string) {
	var ce *tls.CertificateVerificationError
	if errors.As(te, &ce) {
		return StatusFail, fmt.Sprintf("TURN over TLS at %s: certificate not trusted: %s", p.target(), certReason(ce.Err)),
			"browsers verify it too: the HTTPS certificate must cover " + p.turn.Host + " (turn.domain) and chain to a trusted CA; for a private CA pass --ca FILE"
	}
	return StatusFail, fmt.Sprintf("TURN over TLS at %s: TLS handshake failed: %s", p.target(), te.err),
		"a proxy in front of this port must pass TLS through to Confer (or route turn.domain to it by SNI), not terminate it"
}

// relayFix is what to do when TURN was reached but allocated nothing.
func relayFix(p mediaPath) string {
	if p.name == pathTURNTLS {
		return "the TLS connection may not reach Confer's TURN server: a proxy terminating TLS on this port must pass TURN through (turn.domain, SNI); else see the server's log"
	}
	return "the TURN server refused the allocation: see the server's log (credentials, turn.max_allocations)"
}

func sfuList(a attempt) string {
	var out []string
	for _, c := range a.sfuCandidates("udp") {
		out = append(out, c.addr)
	}
	return strings.Join(out, ", ")
}

// certReason is why a certificate was refused, in people's words.
func certReason(err error) string {
	var (
		inv  x509.CertificateInvalidError
		host x509.HostnameError
		ua   x509.UnknownAuthorityError
	)
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return "expired or not yet valid (" + inv.Detail + ")"
	case errors.As(err, &host):
		return "it is for " + names(host.Certificate) + ", not " + host.Host
	case errors.As(err, &ua):
		return "signed by an unknown authority (" + issuer(ua.Cert) + ")"
	}
	return err.Error()
}
