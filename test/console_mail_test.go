package test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/store"
)

// smtpSink is a minimal SMTP server (RFC 5321 without extensions) that keeps
// the messages it is given.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []smtpMessage
}

type smtpMessage struct {
	from, to, data string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpSink) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 sink ESMTP")
	var m smtpMessage
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m.from = strings.TrimSpace(line[10:])
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.to = strings.Trim(strings.TrimSpace(line[8:]), "<>")
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpSink) messages() []smtpMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage{}, s.msgs...)
}

// TestConsoleInvitationEmail: with SMTP configured, an invitation is
// e-mailed to the invitee with its link.
func TestConsoleInvitationEmail(t *testing.T) {
	t.Parallel()
	sink := newSMTPSink(t)
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) {
		c.SMTP.Addr = sink.ln.Addr().String()
		c.SMTP.From = "Confer <console@confer.example>"
	})
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@example.com", "")
	tenant := owner.createTenant(t, "Mail Co")
	code, out := owner.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/invitations", `{"email": "New.Person@Example.com", "role": "viewer"}`)
	if code != http.StatusCreated || !strings.Contains(string(out), `"emailed": true`) {
		t.Fatalf("invite: %d %s", code, out)
	}
	link := string(out[strings.Index(string(out), s.URL+"/console/invitations/"):])
	link = link[:strings.IndexByte(link, '"')]
	msgs := sink.messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %d", len(msgs))
	}
	m := msgs[0]
	for _, want := range []string{"To: new.person@example.com", "Subject: Invitation to Mail Co on Confer", "as viewer", link} {
		if !strings.Contains(m.data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.data)
		}
	}
	if m.to != "new.person@example.com" || !strings.Contains(m.from, "console@confer.example") {
		t.Errorf("envelope from %q to %q", m.from, m.to)
	}
	// The link in the mail is the invitation.
	if code, _ := newConsoleUser(s).do(t, http.MethodGet, "/api/v1/invitations/"+link[strings.LastIndexByte(link, '/')+1:], ""); code != http.StatusOK {
		t.Fatalf("link from the mail: %d", code)
	}
}
