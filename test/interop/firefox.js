// Joins a Confer meeting in headless Firefox, driven by puppeteer-core over
// WebDriver BiDi, for the mixed-browser test (test/firefox_test.go).
// Usage: NODE_PATH=<dir with puppeteer-core> node firefox.js FIREFOX URL
// It prints one JSON line per step to stdout ({"step": "joined", ...}) and
// keeps the meeting open until its stdin closes.
const puppeteer = require('puppeteer-core');

const [firefox, url] = process.argv.slice(2);
const say = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n');

// received is the page's receiving state: remote videos that play, and
// packets of audio received so far.
const received = `(async () => {
  const videos = [...document.querySelectorAll('.tile:not(.local) video')].filter((v) => v.srcObject && v.videoWidth > 0 && v.currentTime > 0).length;
  const s = await window.confer.stats();
  const audio = s.inbound.filter((i) => i.kind === 'audio').reduce((n, i) => n + (i.packets || 0), 0);
  const layers = [...new Set(s.outbound.filter((o) => o.kind === 'video' && o.packets > 0).map((o) => o.rid || '-'))].sort();
  return { videos, audio, layers };
})()`;

// diagnosis describes the page's media state when media does not flow.
const diagnosis = `(async () => {
  const st = window.confer.state, c = st.conn;
  const local = (st.localStream?.getTracks() || []).map((t) => t.kind + ':' + t.readyState + ':' + t.enabled);
  return JSON.stringify({ local, pub: c.pub?.connectionState, pubIce: c.pub?.iceConnectionState, sub: c.sub?.connectionState,
    subIce: c.sub?.iceConnectionState, remote: [...st.remote.values()].map((r) => r.source + ':' + r.track.kind), stats: await window.confer.stats() });
})()`;

async function poll(page, expr, test, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await page.evaluate(expr);
    if (test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out; last ${JSON.stringify(last)}`);
}

async function main() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefox,
    headless: true,
    protocol: 'webDriverBiDi',
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
      // The test's server listens on 127.0.0.1 only: use loopback candidates,
      // as Chromium's --allow-loopback-in-peer-connection does.
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
    },
  });
  const stop = async (code) => { await browser.close().catch(() => {}); process.exit(code); };
  process.stdin.on('end', () => stop(0));
  process.stdin.resume();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => say('console', { type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => say('pageerror', { text: String(e) }));
    await page.goto(url);
    await poll(page, '!!window.confer && window.confer.state.joined', Boolean, 30000);
    const features = await page.evaluate(`({
      getDisplayMedia: !!navigator.mediaDevices?.getDisplayMedia,
      shareLabel: document.getElementById('tb-screen').getAttribute('aria-label'),
      userAgent: navigator.userAgent,
    })`);
    say('joined', features);
    try {
      say('received', await poll(page, received, (r) => r.videos >= 1 && r.audio > 50, 45000));
    } catch (e) {
      say('diagnosis', { text: await page.evaluate(diagnosis).catch((d) => String(d)) });
      throw e;
    }
  } catch (e) {
    say('error', { text: String(e && e.stack || e) });
  }
}

main().catch((e) => { say('error', { text: String(e && e.stack || e) }); process.exit(1); });
