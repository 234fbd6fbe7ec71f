// Drives pages of one headless Firefox for the Go tests (test/firefox_helpers_test.go),
// with puppeteer-core over WebDriver BiDi: the Firefox counterpart of the
// tests' chromedp pages, so that the same JS expressions run in both.
// Usage: NODE_PATH=<dir with puppeteer-core> node firefox-driver.js FIREFOX
// Requests are JSON lines on stdin, {"id": 1, "op": "eval", "page": "Fox", ...}:
//   open {page, url, width, height}   a new tab on url (a CSP recorder installed first)
//   eval {page, expr}                 the value of the script expr (promises awaited)
//   poll {page, expr, timeout}        eval every 200 ms until truthy (timeout in ms)
//   viewport {page, width, height}    resize the tab's viewport
//   click {page, selector}            a mouse click in the middle of the element
//   keys {page, keys}                 press keys one after another ("Tab", "Shift+Tab", "Enter", " ")
//   close {page}                      close the tab
// Each gets one answer line, {"id": 1, "value": ...} or {"id": 1, "error": "..."};
// lines without an id report the pages' console ({"event": "console", ...}).
// Closing stdin closes Firefox and ends the process.
const puppeteer = require('puppeteer-core');
const readline = require('node:readline');

const [firefox] = process.argv.slice(2);
const write = (o) => process.stdout.write(JSON.stringify(o) + '\n');

// cspRecorder keeps the page's Content-Security-Policy violations, as the
// Chromium helper does (test/browser_helpers_test.go).
const cspRecorder = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`;

// pageState describes a page whose poll timed out.
const pageState = `JSON.stringify({screen: [...document.querySelectorAll('.screen')].filter(s => !s.hidden).map(s => s.id),
  status: document.getElementById('status')?.textContent, refused: document.getElementById('refused-code')?.textContent,
  tiles: [...document.querySelectorAll('.tile')].map(t => t.dataset.id + ':' + t.dataset.source + ':' + (t.querySelector('video')?.videoWidth||0))})`;

const pages = new Map();

function tab(name) {
  const p = pages.get(name);
  if (!p) throw new Error(`no page ${JSON.stringify(name)}`);
  return p;
}

// evaluate runs expr as a script (its completion value, a promise awaited)
// and returns a JSON-safe copy of the result.
async function evaluate(page, expr) {
  const v = await page.evaluate(expr);
  return v === undefined ? null : v;
}

async function poll(page, expr, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last, err;
  for (;;) {
    try {
      last = await evaluate(page, expr);
      err = undefined;
      if (last) return last;
    } catch (e) {
      err = e;
    }
    if (Date.now() >= end) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const state = await page.evaluate(pageState).catch((e) => String(e));
  throw new Error(`timed out after ${timeoutMs} ms; last ${err ? String(err.message || err) : JSON.stringify(last)} (page state ${state})`);
}

const ops = {
  async open(browser, r) {
    const page = await browser.newPage();
    pages.set(r.page, page);
    page.on('console', (m) => write({ event: 'console', page: r.page, type: m.type(), text: m.text() }));
    page.on('pageerror', (e) => write({ event: 'pageerror', page: r.page, text: String(e) }));
    await page.setViewport({ width: r.width || 1280, height: r.height || 800 });
    await page.evaluateOnNewDocument(cspRecorder);
    await page.goto(r.url);
    await page.bringToFront(); // focused, so that keys act as a person's would
    return true;
  },
  eval: (browser, r) => evaluate(tab(r.page), r.expr),
  poll: (browser, r) => poll(tab(r.page), r.expr, r.timeout || 10000),
  async viewport(browser, r) {
    await tab(r.page).setViewport({ width: r.width, height: r.height });
    return true;
  },
  async click(browser, r) {
    await tab(r.page).click(r.selector);
    return true;
  },
  async keys(browser, r) {
    const kb = tab(r.page).keyboard;
    for (const k of r.keys) {
      // "Shift+Tab": modifiers held around the last key (" " is Space).
      const parts = k.length > 1 ? k.split('+') : [k];
      const key = parts.pop();
      for (const m of parts) await kb.down(m);
      await kb.press(key);
      for (const m of parts.reverse()) await kb.up(m);
    }
    return true;
  },
  async close(browser, r) {
    await tab(r.page).close();
    pages.delete(r.page);
    return true;
  },
};

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
      // Background tabs keep their timers at full speed, as Chromium's
      // --disable-background-timer-throttling does.
      'dom.min_background_timeout_value': 0,
      'dom.timeout.enable_budget_timer_throttling': false,
    },
  });
  write({ event: 'ready', version: await browser.version() });
  // Requests for one page run in order; other pages' do not wait.
  const queues = new Map();
  const run = async (r) => {
    try {
      const op = ops[r.op];
      if (!op) throw new Error(`unknown op ${JSON.stringify(r.op)}`);
      write({ id: r.id, value: await op(browser, r) });
    } catch (e) {
      write({ id: r.id, error: String(e && e.message || e) });
    }
  };
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let r;
    try {
      r = JSON.parse(line);
    } catch (e) {
      write({ id: null, error: `bad request: ${e.message}` });
      return;
    }
    const next = (queues.get(r.page) || Promise.resolve()).then(() => run(r));
    queues.set(r.page, next);
  });
  lines.on('close', async () => {
    await browser.close().catch(() => {});
    process.exit(0);
  });
}

main().catch((e) => { write({ event: 'error', text: String(e && e.stack || e) }); process.exit(1); });
