package sfu

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	forwardedPackets prometheus.Counter
	forwardedBytes   prometheus.Counter
	receivedPackets  prometheus.Counter
	peers            prometheus.Gauge
	tracks           prometheus.Gauge
	layerSwitches    prometheus.Counter
	keyframeRequests prometheus.Counter
	dynacastChanges  prometheus.Counter
	paddingPackets   prometheus.Counter
	retransmitted    prometheus.Counter
	relayedPackets   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		forwardedPackets: prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_forwarded_packets_total", Help: "RTP packets sent to subscribers."}),
		forwardedBytes:   prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_forwarded_bytes_total", Help: "RTP payload bytes sent to subscribers."}),
		receivedPackets:  prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_received_packets_total", Help: "RTP packets received from publishers."}),
		peers:            prometheus.NewGauge(prometheus.GaugeOpts{Name: "confer_sfu_peers", Help: "Connected participants."}),
		tracks:           prometheus.NewGauge(prometheus.GaugeOpts{Name: "confer_sfu_published_tracks", Help: "Published tracks."}),
		layerSwitches:    prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_layer_switches_total", Help: "Simulcast layer switches."}),
		keyframeRequests: prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_keyframe_requests_total", Help: "PLIs sent to publishers."}),
		dynacastChanges:  prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_dynacast_changes_total", Help: "Changes of the simulcast layers publishers are told to send."}),
		paddingPackets:   prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_padding_packets_total", Help: "Padding-only RTP packets sent to probe a subscriber's bandwidth."}),
		retransmitted:    prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_retransmitted_packets_total", Help: "RTP packets resent to subscribers that reported them lost."}),
		relayedPackets:   prometheus.NewCounter(prometheus.CounterOpts{Name: "confer_sfu_relayed_packets_total", Help: "RTP packets sent to other nodes over relays."}),
	}
	if reg != nil {
		reg.MustRegister(m.forwardedPackets, m.forwardedBytes, m.receivedPackets, m.peers, m.tracks, m.layerSwitches, m.keyframeRequests, m.dynacastChanges, m.paddingPackets, m.retransmitted, m.relayedPackets)
	}
	return m
}
