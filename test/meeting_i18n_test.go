package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/web"
)

// meetLanguages are the catalogues the meeting page must have.
var meetLanguages = []string{"en", "de", "fr", "es", "pt", "it", "nl", "pl", "ja", "zh", "ar"}

// readCatalogue reads web/meet/lang/<code>.json.
func readCatalogue(t *testing.T, code string) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(web.Meet, "meet/lang/"+code+".json")
	if err != nil {
		t.Fatalf("catalogue %s: %v", code, err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("catalogue %s: %v", code, err)
	}
	return m
}

var placeholder = regexp.MustCompile(`\{\w+\}`)

// TestMeetingCatalogues: every language has exactly the English catalogue's
// keys, no empty message, and the same {placeholders} in each message.
func TestMeetingCatalogues(t *testing.T) {
	en := readCatalogue(t, "en")
	if len(en) < 100 {
		t.Fatalf("English catalogue has %d messages, want the whole page's (over 100)", len(en))
	}
	files, err := fs.Glob(web.Meet, "meet/lang/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, strings.TrimSuffix(path.Base(f), ".json"))
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(meetLanguages))
	if !slices.Equal(got, want) {
		t.Errorf("catalogues %v, want %v", got, want)
	}
	for _, code := range meetLanguages {
		t.Run(code, func(t *testing.T) {
			m := readCatalogue(t, code)
			for k, v := range en {
				tr, ok := m[k]
				switch {
				case !ok:
					t.Errorf("%s misses key %q (English: %q)", code, k, v)
				case strings.TrimSpace(tr) == "":
					t.Errorf("%s: %q is empty", code, k)
				case !slices.Equal(slices.Sorted(slices.Values(placeholder.FindAllString(tr, -1))), slices.Sorted(slices.Values(placeholder.FindAllString(v, -1)))):
					t.Errorf("%s: %q has placeholders %v, want %v", code, k, placeholder.FindAllString(tr, -1), placeholder.FindAllString(v, -1))
				}
			}
			for k := range m {
				if _, ok := en[k]; !ok {
					t.Errorf("%s has key %q that English does not", code, k)
				}
			}
		})
	}
}

// messageKeyUses finds the message keys the page names literally: data-i18n
// attributes in index.html and t('key') / tr(el, 'key') calls in scripts.
var messageKeyUses = []*regexp.Regexp{
	regexp.MustCompile(`data-i18n(?:-label|-placeholder|-tip|-alt)?="([^"]+)"`),
	regexp.MustCompile(`\bt\('([a-zA-Z]+\.[a-zA-Z.]+)'`),
	regexp.MustCompile(`\btr\([^,]+, '([a-zA-Z]+\.[a-zA-Z.]+)'`),
	regexp.MustCompile(`'((?:shortcut|toolbar|menu|prejoin|ended|hint|refused|password|toast|polls|reactions|stats)\.[a-zA-Z]+)'`),
}

// TestMeetingMessageKeys: every key the page's HTML and scripts name is in
// the English catalogue (a typo would show the key itself to people).
func TestMeetingMessageKeys(t *testing.T) {
	en := readCatalogue(t, "en")
	files, err := fs.Glob(web.Meet, "meet/*.*")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".js") && !strings.HasSuffix(f, ".html") {
			continue
		}
		b, err := fs.ReadFile(web.Meet, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range messageKeyUses {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = f
			}
		}
	}
	if len(used) < 100 {
		t.Fatalf("found %d message keys used, want over 100", len(used))
	}
	for _, k := range slices.Sorted(maps.Keys(used)) {
		if _, ok := en[k]; !ok {
			t.Errorf("%s uses message %q, which the English catalogue lacks", used[k], k)
		}
	}
}

// rtlMirrorJS measures, on a meeting page with its own chat line shown,
// whether the layout is mirrored (JSON of rtlMirror).
const rtlMirrorJS = `(() => {
	const r = (el) => el.getBoundingClientRect();
	const tile = document.querySelector('.tile:not(.local)'), label = tile.querySelector('.label');
	const log = r(document.getElementById('chat-log')), mine = r(document.querySelector('#chat-log li.mine'));
	return JSON.stringify({micRight: r(document.getElementById('tb-mic')).x > r(document.getElementById('tb-leave')).x,
		labelGap: r(tile).right - r(label).right, bubbleGap: mine.left - log.left, bubbleNarrower: mine.width < log.width});
})()`

// checkRTLMirror checks rtlMirrorJS's answer: the first toolbar button is
// rightmost, name labels sit at the tiles' right edge, one's own chat
// bubble on the left. where prefixes the errors ("Firefox ").
func checkRTLMirror(t *testing.T, where, measured string) {
	t.Helper()
	var m struct {
		MicRight       bool
		LabelGap       float64
		BubbleGap      float64
		BubbleNarrower bool
	}
	if err := json.Unmarshal([]byte(measured), &m); err != nil {
		t.Fatalf("%sRTL layout: %v", where, err)
	}
	if !m.MicRight {
		t.Errorf("%sRTL toolbar: the microphone button is left of the leave button, want it on the right", where)
	}
	if m.LabelGap < 0 || m.LabelGap > 14 {
		t.Errorf("%sRTL tile: the name label ends %.0f px from the tile's right edge, want at most 14", where, m.LabelGap)
	}
	if !m.BubbleNarrower || m.BubbleGap > 2 {
		t.Errorf("%sRTL chat: own bubble starts %.0f px from the log's left (narrower: %v), want it on the left", where, m.BubbleGap, m.BubbleNarrower)
	}
}

// TestMeetingLanguages: the page follows #config.defaultLanguage (German
// here: toolbar, tiles, help, settings), switches to Arabic from Settings
// with dir="rtl" and a mirrored layout (toolbar order, tile name labels,
// chat bubbles), the polls panel (redrawn) and reactions button following both,
// remembers that choice, and the IFrame API's ?lang= wins over it on the
// prejoin screen; a refusal is in the page's language too.
func TestMeetingLanguages(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/sprachen"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := newBrowser(t)
	hash := fastMeeting()
	hash["config.defaultLanguage"] = "de"
	p := b.open("Ada", meetingURL(s.URL, room, f.token(t, "sprachen", "Ada", true), hash))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	s.join(ctx, t, room, f.token(t, "sprachen", "Grace", false), nil)
	poll[bool](t, p, "two tiles", `document.querySelectorAll('.tile').length === 2`, 20*time.Second)

	texts := `JSON.stringify({lang: document.documentElement.lang, dir: document.documentElement.dir,
		mic: document.getElementById('tb-mic').getAttribute('aria-label'),
		leave: document.getElementById('tb-leave').getAttribute('aria-label'),
		settings: document.querySelector('#settings h2').textContent,
		help: document.querySelector('#help-list dd').textContent,
		self: document.querySelector('.tile.local .name').textContent,
		send: document.querySelector('#chat-form button').textContent,
		placeholder: document.getElementById('chat-input').placeholder,
		newPoll: document.getElementById('poll-new').textContent,
		noPolls: document.querySelector('#poll-list .hint')?.textContent,
		react: document.getElementById('tb-react').getAttribute('aria-label')})`
	type pageTexts struct{ Lang, Dir, Mic, Leave, Settings, Help, Self, Send, Placeholder, NewPoll, NoPolls, React string }
	check := func(where string, want pageTexts) {
		t.Helper()
		var got pageTexts
		if err := json.Unmarshal([]byte(eval[string](t, p, texts)), &got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: page shows\n%+v\nwant\n%+v", where, got, want)
		}
	}
	check("German", pageTexts{Lang: "de", Dir: "ltr", Mic: "Mikrofon stummschalten", Leave: "Meeting verlassen", Settings: "Einstellungen",
		Help: "Mikrofon stumm- oder einschalten", Self: "Ada (du)", Send: "Senden", Placeholder: "Nachricht",
		NewPoll: "Umfrage erstellen", NoPolls: "Noch keine Umfragen.", React: "Reaktionen"})

	// Switch to Arabic in Settings.
	p.click(t, "#tb-settings")
	if got := eval[string](t, p, `document.getElementById('set-lang').value`); got != "de" {
		t.Errorf("language select shows %q, want de", got)
	}
	eval[bool](t, p, `(() => { const s = document.getElementById('set-lang'); s.value = 'ar'; s.dispatchEvent(new Event('change')); return true; })()`)
	poll[bool](t, p, "Arabic", `document.documentElement.dir === 'rtl'`, 10*time.Second)
	check("Arabic", pageTexts{Lang: "ar", Dir: "rtl", Mic: "كتم الميكروفون", Leave: "مغادرة الاجتماع", Settings: "الإعدادات",
		Help: "كتم الميكروفون أو إلغاء كتمه", Self: "Ada (أنت)", Send: "إرسال", Placeholder: "رسالة",
		NewPoll: "إنشاء استطلاع", NoPolls: "لا توجد استطلاعات بعد.", React: "التفاعلات"})
	if got := eval[string](t, p, `localStorage.getItem('confer.lang')`); got != "ar" {
		t.Errorf("remembered language %q, want ar", got)
	}
	p.click(t, "#tb-settings")

	// Mirrored: the first toolbar button is rightmost, name labels sit at
	// the tiles' right edge, your own chat bubble on the left.
	p.click(t, "#tb-chat")
	eval[bool](t, p, `document.getElementById('chat-input').value = 'مرحبا'; document.getElementById('chat-form').requestSubmit(); true`)
	poll[bool](t, p, "own chat line", `!!document.querySelector('#chat-log li.mine')`, 10*time.Second)
	checkRTLMirror(t, "", eval[string](t, p, rtlMirrorJS))
	b.checkCSP()

	// The remembered choice (Arabic) loses to the IFrame API's ?lang=.
	u := meetingURL(s.URL, room, f.token(t, "sprachen", "Jun", false), nil)
	u = strings.Replace(u, "?jwt=", "?lang=ja&jwt=", 1)
	pre := b.open("Jun", u)
	poll[bool](t, pre, "prejoin", `!document.getElementById('prejoin').hidden`, 20*time.Second)
	if got := eval[string](t, pre, `document.documentElement.lang + ' ' + document.documentElement.dir + ' ' + document.getElementById('pre-join').textContent`); got != "ja ltr 会議に参加" {
		t.Errorf("prejoin with ?lang=ja: %q, want %q", got, "ja ltr 会議に参加")
	}

	// A refusal, in the language the hash asks for.
	ref := b.open("refused", meetingURL(s.URL, room, "not-a-token", map[string]string{"config.defaultLanguage": "fr"}))
	poll[bool](t, ref, "refusal", `!document.getElementById('refused').hidden`, 20*time.Second)
	if got := eval[string](t, ref, `document.getElementById('refused-title').textContent`); got != "Vous ne pouvez pas rejoindre cette réunion" {
		t.Errorf("French refusal title %q", got)
	}
}

// TestMeetingBrowserLanguage: without a language from the integrator or
// the person, the page follows the browser's languages.
func TestMeetingBrowserLanguage(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	for _, c := range []struct{ accept, want string }{{"pl-PL,pl", "pl"}, {"sv-SE,sv", "en"}} {
		t.Run(c.want, func(t *testing.T) {
			b := newBrowser(t, "accept-lang="+c.accept, "lang="+c.accept)
			p := b.open("guest", meetingURL(s.URL, f.ID+"/lang", f.token(t, "lang", "Guest", false), nil))
			poll[bool](t, p, "prejoin", `!document.getElementById('prejoin').hidden`, 20*time.Second)
			got := eval[string](t, p, `navigator.languages.join(',') + ' → ' + document.documentElement.lang`)
			if !strings.HasSuffix(got, "→ "+c.want) {
				t.Errorf("browser languages %s, want page in %s", got, c.want)
			}
		})
	}
}

// TestMeetingLanguageScreenshots writes a German and an Arabic (right to
// left) meeting at desktop and phone sizes into $CONFER_SCREENSHOTS
// (./scripts/screenshots): four people, a raised hand, the chat open with a
// message each way. Without the variable it is skipped.
func TestMeetingLanguageScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	c := clip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := newBrowser(t)
	for _, l := range []struct{ code, room, me, hello, reply string }{
		{"de", "wochenplanung", "Ada Lovelace", "Guten Morgen zusammen!", "Morgen! Ich teile gleich die Folien."},
		{"ar", "مراجعة-التصميم", "ليلى حسن", "صباح الخير جميعًا!", "صباح النور، سأشارك الشرائح بعد قليل."},
	} {
		room := f.ID + "/" + l.room
		hash := fastMeeting()
		hash["config.defaultLanguage"] = l.code
		p := b.open(l.code, meetingURL(s.URL, room, f.token(t, l.room, l.me, true), hash))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		var first *meetclient.Client
		for i, name := range []string{"Grace Hopper", "Alan Turing", "Katherine Johnson"} {
			media := c
			if i == 2 {
				media = nil
			}
			cl, err := s.dial(t, room, f.token(t, l.room, name, false), media)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name, AudioMuted: i == 1, VideoMuted: media == nil}); err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = cl
			}
		}
		poll[bool](t, p, "the pion videos", remoteVideosPlaying+` >= 2`, 30*time.Second)
		if err := first.Send(ctx, map[string]any{"type": "hand", "raised": true}); err != nil {
			t.Fatal(err)
		}
		if err := first.Send(ctx, map[string]any{"type": "chat", "text": l.hello}); err != nil {
			t.Fatal(err)
		}
		p.click(t, "#tb-chat")
		poll[bool](t, p, "the message", `document.querySelectorAll('#chat-log li').length === 1`, 10*time.Second)
		eval[bool](t, p, fmt.Sprintf(`document.getElementById('chat-input').value = %q; document.getElementById('chat-form').requestSubmit(); true`, l.reply))
		poll[bool](t, p, "own message", `!!document.querySelector('#chat-log li.mine')`, 10*time.Second)
		shootMeeting(t, p, dir, "meeting-"+l.code)
	}
}
