package recording

import (
	"fmt"
	"slices"
	"strings"
)

// Layout of the composited video: the main view fills the frame (the
// dominant speaker's camera, or a screen share, which takes precedence);
// every camera also shows as a thumbnail in a column on the right.
const (
	outWidth, outHeight = 1280, 720
	thumbWidth          = 240
	thumbHeight         = 135
	thumbMargin         = 10
	maxThumbs           = (outHeight - thumbMargin) / (thumbHeight + thumbMargin)
	logoHeight          = 60
)

// span is a part of the recording, in ms, during which one video track is
// the main view.
type span struct{ from, to int64 }

// mainViews decides, for each video track (by index in videos), when it is
// the main view: a screen share while it lasts (the latest one), else the
// dominant speaker's camera, else the first camera that is on.
func mainViews(m *Manifest, videos []TrackRecord) map[int][]span {
	cuts := []int64{0, m.DurationMs()}
	for _, s := range m.Speakers {
		cuts = append(cuts, s.AtMs)
	}
	for _, v := range videos {
		cuts = append(cuts, v.FirstFrameMs, v.EndMs)
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	out := map[int][]span{}
	for i := 0; i+1 < len(cuts); i++ {
		from, to := cuts[i], cuts[i+1]
		if from < 0 || from >= m.DurationMs() {
			continue
		}
		k := pickMain(m, videos, from)
		if k < 0 {
			continue
		}
		ss := out[k]
		if n := len(ss); n > 0 && ss[n-1].to == from {
			ss[n-1].to = to
		} else {
			ss = append(ss, span{from, to})
		}
		out[k] = ss
	}
	return out
}

// pickMain is the index of the main video at ms, -1 for none.
func pickMain(m *Manifest, videos []TrackRecord, ms int64) int {
	live := func(v TrackRecord) bool { return v.FirstFrameMs >= 0 && v.FirstFrameMs <= ms && ms < v.EndMs }
	best := -1
	for k, v := range videos {
		if v.Source == "screen" && live(v) && (best < 0 || v.FirstFrameMs > videos[best].FirstFrameMs) {
			best = k
		}
	}
	if best >= 0 {
		return best
	}
	speaker := ""
	for _, s := range m.Speakers {
		if s.AtMs <= ms {
			speaker = s.ParticipantID
		}
	}
	for k, v := range videos {
		if v.Source == "camera" && v.ParticipantID == speaker && live(v) {
			return k
		}
	}
	for k, v := range videos {
		if v.Source == "camera" && live(v) {
			return k
		}
	}
	return -1
}

// enable is an ffmpeg timeline expression true during spans.
func enable(spans []span) string {
	terms := make([]string, len(spans))
	for i, s := range spans {
		terms[i] = fmt.Sprintf("between(t,%.3f,%.3f)", float64(s.from)/1000, float64(s.to)/1000)
	}
	return strings.Join(terms, "+")
}

// filterGraph builds the ffmpeg filter graph of the composite: inputs
// 0..len(videos)-1 are the video files, then the audio files, then the
// logo if hasLogo. It yields [vout] and [aout].
func filterGraph(m *Manifest, videos, audios []TrackRecord, hasLogo bool) string {
	d := float64(m.DurationMs()) / 1000
	var g []string
	g = append(g, fmt.Sprintf("color=c=0x1e1e1e:s=%dx%d:r=30:d=%.3f[bg0]", outWidth, outHeight, d))
	mains := mainViews(m, videos)
	cur, n := "bg0", 0
	next := func() string { n++; return fmt.Sprintf("bg%d", n) }
	for k, v := range videos { // the main views first: thumbnails go over them
		start := float64(v.FirstFrameMs) / 1000
		g = append(g, fmt.Sprintf("[%d:v]setpts=PTS-STARTPTS+%.3f/TB,split=2[m%d][t%d]", k, start, k, k))
		g = append(g, fmt.Sprintf("[m%d]scale=%d:%d:force_original_aspect_ratio=decrease[ms%d]", k, outWidth, outHeight, k))
		if spans := mains[k]; len(spans) > 0 {
			out := next()
			g = append(g, fmt.Sprintf("[%s][ms%d]overlay=x=(main_w-overlay_w)/2:y=(main_h-overlay_h)/2:eof_action=pass:enable='%s'[%s]",
				cur, k, enable(spans), out))
			cur = out
		} else {
			g = append(g, fmt.Sprintf("[ms%d]nullsink", k))
		}
	}
	thumbs := 0
	for k, v := range videos {
		if v.Source != "camera" || thumbs >= maxThumbs {
			g = append(g, fmt.Sprintf("[t%d]nullsink", k))
			continue
		}
		g = append(g, fmt.Sprintf("[t%d]scale=%d:%d:force_original_aspect_ratio=decrease[ts%d]", k, thumbWidth, thumbHeight, k))
		out := next()
		g = append(g, fmt.Sprintf("[%s][ts%d]overlay=x=%d:y=%d:eof_action=pass[%s]", cur, k,
			outWidth-thumbWidth-thumbMargin, thumbMargin+thumbs*(thumbHeight+thumbMargin), out))
		cur = out
		thumbs++
	}
	if hasLogo {
		g = append(g, fmt.Sprintf("[%d:v]scale=-2:%d[logo]", len(videos)+len(audios), logoHeight))
		out := next()
		g = append(g, fmt.Sprintf("[%s][logo]overlay=x=20:y=20[%s]", cur, out))
		cur = out
	}
	g = append(g, fmt.Sprintf("[%s]format=yuv420p[vout]", cur))
	g = append(g, audioGraph(len(videos), len(audios), d))
	return strings.Join(g, ";")
}

// audioGraph mixes the audio inputs (each starts at the recording's start)
// into [aout], exactly d seconds long.
func audioGraph(first, n int, d float64) string {
	if n == 0 {
		return fmt.Sprintf("anullsrc=r=48000:cl=stereo,atrim=0:%.3f[aout]", d)
	}
	var in strings.Builder
	var g []string
	for j := range n {
		g = append(g, fmt.Sprintf("[%d:a]aresample=48000:async=1:first_pts=0[a%d]", first+j, j))
		fmt.Fprintf(&in, "[a%d]", j)
	}
	g = append(g, fmt.Sprintf("%samix=inputs=%d:duration=longest:normalize=0,apad,atrim=0:%.3f[aout]", in.String(), n, d))
	return strings.Join(g, ";")
}
