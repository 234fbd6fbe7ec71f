package relay

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	dropped            *prometheus.CounterVec
	refusedPermissions prometheus.Counter
	refusedAllocations prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_turn_dropped_packets_total",
			Help: "Relayed packets dropped because the peer is not the SFU (direction out: to the peer, in: from it)."}, []string{"direction"}),
		refusedPermissions: prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_turn_refused_permissions_total",
			Help: "TURN permissions and channel bindings refused because the peer is not the SFU."}),
		refusedAllocations: prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_turn_refused_allocations_total",
			Help: "TURN allocations refused because the credential holds its maximum."}),
	}
	if reg != nil {
		reg.MustRegister(m.dropped, m.refusedPermissions, m.refusedAllocations)
	}
	return m
}
