package server

import (
	"github.com/confer-video/confer/internal/mailer"
	"github.com/confer-video/confer/internal/support"
)

// buildSupport makes the support service: requests are e-mailed to
// support.email and answers to the requester when smtp.addr is set. It
// registers its e-mail job, so it runs before the job runner is built.
func (s *Server) buildSupport() (*support.Service, error) {
	cfg := support.Config{Store: s.store, Jobs: s.jobs, OperatorEmail: s.cfg.Support.Email, PublicURL: s.URL,
		Now: s.deps.Now, Logger: s.deps.Logger.With("component", "support")}
	if sc := s.cfg.SMTP; sc.Addr != "" {
		m, err := mailer.New(mailer.Config{Addr: sc.Addr, From: sc.From, Username: sc.Username, Password: sc.Password})
		if err != nil {
			return nil, err
		}
		cfg.Mailer = m
	}
	return support.New(cfg)
}
