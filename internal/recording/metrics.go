package recording

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	dropped  prometheus.Counter
	active   prometheus.Gauge
	composed *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_recording_dropped_packets_total",
			Help: "Packets a recording dropped because its buffer was full (forwarding never waits for it)."}),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "confer_recordings_active", Help: "Recordings in progress."}),
		composed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_recording_composites_total",
			Help: "Compositing runs, by result."}, []string{"result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.dropped, m.active, m.composed} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
