package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/api"
)

// Nodes is the operator's view of the deployment's nodes; the server
// implements it.
type Nodes interface {
	// Status describes the node that answers.
	Status(ctx context.Context) api.NodeStatus
	// List returns the live cluster members (just this node without a cluster).
	List(ctx context.Context) ([]api.Node, error)
	// Drain stops new rooms from being placed here; the node exits once its
	// meetings end or the drain timeout passes.
	Drain(ctx context.Context) (api.NodeStatus, error)
	// Probe upgrades the request to the media probe's WebSocket (see
	// api.ProbeMessage): a short-lived WebRTC peer on this node's SFU that
	// `confer doctor` connects to over one network path at a time. Errors
	// are returned only before the upgrade.
	Probe(w http.ResponseWriter, r *http.Request) error
}

var (
	// ErrNotClustered means the node is not in a cluster.
	ErrNotClustered = errors.New("this node is not in a cluster (redis.url is not set): stop it to take it out of service")
	// ErrProbesBusy means the node runs as many media probes as it allows.
	ErrProbesBusy = errors.New("this node runs as many media probes as it allows; try again in a few seconds")
)

func (a *API) registerNodes(mux *http.ServeMux) {
	if a.cfg.Nodes == nil {
		return
	}
	mux.Handle("GET /api/v1/node", a.guard(account.Operate, func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, a.cfg.Nodes.Status(r.Context()))
	}))
	mux.Handle("GET /api/v1/nodes", a.guard(account.Operate, func(w http.ResponseWriter, r *http.Request) error {
		nodes, err := a.cfg.Nodes.List(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, api.NodeList{Nodes: nodes})
	}))
	mux.Handle("POST /api/v1/node/drain", a.guard(account.Operate, func(w http.ResponseWriter, r *http.Request) error {
		st, err := a.cfg.Nodes.Drain(r.Context())
		if errors.Is(err, ErrNotClustered) {
			return errorf(http.StatusConflict, "not_clustered", err.Error())
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusAccepted, st)
	}))
	mux.Handle("GET /api/v1/node/probe", a.guard(account.Operate, func(w http.ResponseWriter, r *http.Request) error {
		err := a.cfg.Nodes.Probe(w, r)
		if errors.Is(err, ErrProbesBusy) {
			return &Error{Status: http.StatusServiceUnavailable, Code: "busy", Message: ErrProbesBusy.Error(), RetryAfter: 5 * time.Second}
		}
		return err
	}))
}
