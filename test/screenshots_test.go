package test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestScreenshots writes the README's screenshots of the meeting client at
// desktop and phone sizes into $CONFER_SCREENSHOTS (./scripts/screenshots
// sets it to docs/screenshots). Without the variable it is skipped.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("CONFER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set CONFER_SCREENSHOTS=DIR (./scripts/screenshots) to write screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	shoot := func(p *page, name string) {
		t.Helper()
		for _, size := range []struct {
			suffix string
			view   chromedp.Action[chromedp.Void]
		}{
			{"desktop", chromedp.EmulateViewport(1280, 800)},
			{"phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)},
		} {
			ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
			if err := chromedp.Do(ctx, size.view, chromedp.Sleep(1500*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-"+size.suffix+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800))
	}
	meet := func(name, room string, moderator bool) *page {
		hash := map[string]string{"config.prejoinConfig.enabled": "false", "config.resolution": "360"}
		p := b.open(name, meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, name, moderator), hash))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		return p
	}

	pre := b.open("prejoin", meetingURL(s.URL, f.ID+"/design-review", f.token(t, "design-review", "Ada Lovelace", true), nil))
	poll[bool](t, pre, "preview", `!document.getElementById('prejoin').hidden && document.getElementById('preview').videoWidth > 0`, 15*time.Second)
	shoot(pre, "prejoin")

	ada := meet("Ada Lovelace", "design-review", true)
	meet("Grace Hopper", "design-review", false)
	meet("Alan Turing", "design-review", false)
	poll[int](t, ada, "two remote videos", remoteVideosPlaying+` >= 2 && `+remoteVideosPlaying, 30*time.Second)
	shoot(ada, "meeting-tile")

	ada.click(t, "#tb-screen")
	poll[bool](t, ada, "own screen tile", `!!document.querySelector('.tile.screen video')`, 15*time.Second)
	eval[bool](t, ada, `document.getElementById('tb-view').click(); true`)
	poll[bool](t, ada, "speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 10*time.Second)
	shoot(ada, "speaker-screenshare")

	mod := meet("Margaret Hamilton", "stand-up", true)
	mod.click(t, "#tb-settings")
	mod.click(t, "#set-lobby")
	mod.click(t, "#tb-settings")
	b.open("knocker", meetingURL(s.URL, f.ID+"/stand-up", f.token(t, "stand-up", "Katherine Johnson", false), map[string]string{"config.prejoinConfig.enabled": "false"}))
	poll[bool](t, mod, "knock dialog", `!document.getElementById('knock-dialog').hidden`, 15*time.Second)
	shoot(mod, "lobby-knock")

	expired := f.token(t, "stand-up", "Late", false, func(g *token.Grant) {
		g.NotBefore, g.Expires = time.Now().Add(-3*time.Hour), time.Now().Add(-2*time.Hour)
	})
	ref := b.open("refused", meetingURL(s.URL, f.ID+"/stand-up", expired, nil))
	poll[bool](t, ref, "refusal page", `!document.getElementById('refused').hidden`, 15*time.Second)
	shoot(ref, "refused")
}
