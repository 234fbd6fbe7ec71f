// Languages of the meeting page: one message catalogue per language
// (lang/xx.json, served by Confer), the language picked from the IFrame
// API's lang / configOverwrite.defaultLanguage, the URL hash, the person's
// own choice in Settings or the browser's languages, and right-to-left
// layout for Arabic. Static text in index.html names its message with
// data-i18n (text), data-i18n-label (aria-label), data-i18n-placeholder,
// data-i18n-tip (tooltip) and data-i18n-title; scripts call t(key, {vars}),
// tr(el, key) or mark(el, {text, label, ...}).

// LANGUAGES are the catalogues there are, each with its own name.
export const LANGUAGES = {
  en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', pt: 'Português', it: 'Italiano',
  nl: 'Nederlands', pl: 'Polski', ja: '日本語', zh: '中文', ar: 'العربية',
};

const RTL = new Set(['ar']);
const STORE = 'confer.lang';

let english = {};
let current = {};
let code = 'en';
const listeners = [];

// t is the message key in the current language (English when the
// catalogue lacks it), with {name} placeholders filled from vars.
export function t(key, vars) {
  const s = current[key] ?? english[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

// language is the code of the language shown.
export function language() { return code; }

// normalize turns "de-DE", "ptBR" or "zh_CN" into a catalogue code, or ''.
export function normalize(tag) {
  const c = String(tag || '').slice(0, 2).toLowerCase();
  return Object.hasOwn(LANGUAGES, c) ? c : '';
}

// pickLanguage chooses the page's language: the integrator's (IFrame API
// lang in the query or hash, config.defaultLanguage), then the person's
// own choice, then the browser's languages, then English.
export function pickLanguage(params, loc = window.location, nav = navigator) {
  const query = new URLSearchParams(loc.search).get('lang');
  for (const c of [query, params.lang, params.config?.defaultLanguage, stored(), ...(nav.languages || [nav.language])]) {
    const n = normalize(c);
    if (n) return n;
  }
  return 'en';
}

function stored() {
  try { return localStorage.getItem(STORE) || ''; } catch { return ''; }
}

async function load(c) {
  const res = await fetch(`/_meet/lang/${c}.json`, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`language ${c}: HTTP ${res.status}`);
  return res.json();
}

// setLanguage loads a catalogue and shows the page in it; remember keeps
// it as the person's choice for later meetings.
export async function setLanguage(c, { remember = false } = {}) {
  c = normalize(c) || 'en';
  try {
    if (!Object.keys(english).length) english = await load('en');
    current = c === 'en' ? english : await load(c);
    code = c;
  } catch (e) {
    console.warn('confer: language', e);
    current = english;
    code = 'en';
  }
  if (remember) { try { localStorage.setItem(STORE, code); } catch { /* private mode */ } }
  const root = document.documentElement;
  root.lang = code;
  root.dir = RTL.has(code) ? 'rtl' : 'ltr';
  translate(document);
  for (const fn of listeners) fn(code);
  return code;
}

// onLanguage calls fn after every language change (to redraw the text
// that scripts wrote).
export function onLanguage(fn) { listeners.push(fn); }

// ATTRS are the data-i18n* attributes (as dataset names) and how each
// shows its message.
const ATTRS = {
  i18n: (el, s) => { el.textContent = s; },
  i18nAlt: (el, s) => { el.alt = s; },
  i18nLabel: (el, s) => el.setAttribute('aria-label', s),
  i18nPlaceholder: (el, s) => { el.placeholder = s; },
  i18nTip: (el, s) => { el.dataset.tip = s; },
  i18nTitle: (el, s) => { el.title = s; },
};
const SELECTOR = Object.keys(ATTRS).map((a) => `[data-${a.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}]`).join(',');

// fill shows el's messages, with its data-i18n-vars in each.
function fill(el) {
  const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined;
  for (const [a, show] of Object.entries(ATTRS)) if (el.dataset[a]) show(el, t(el.dataset[a], vars));
}

// translate fills every data-i18n* element under root.
export function translate(root) {
  for (const el of root.querySelectorAll(SELECTOR)) fill(el);
}

// mark names el's messages (keys by what they fill: text, label,
// placeholder, tip, title), shows them and keeps them across language
// changes; vars fill the placeholders of all of them.
export function mark(el, keys, vars) {
  const names = { text: 'i18n', label: 'i18nLabel', placeholder: 'i18nPlaceholder', tip: 'i18nTip', title: 'i18nTitle' };
  for (const [what, key] of Object.entries(keys)) el.dataset[names[what]] = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars); else delete el.dataset.i18nVars;
  fill(el);
  return el;
}

// tr shows message key in el and keeps it there across language changes.
export function tr(el, key, vars) {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars); else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
}

// setMessage shows message key in el (kept across language changes) or,
// without a key, text as it is (a server's own words).
export function setMessage(el, key, text) {
  if (key) { tr(el, key); return; }
  delete el.dataset.i18n;
  delete el.dataset.i18nVars;
  el.textContent = text || '';
}

// fillLanguageSelect lists the languages in a select, the current chosen.
export function fillLanguageSelect(sel) {
  sel.replaceChildren(...Object.entries(LANGUAGES).map(([c, name]) => {
    const o = new Option(name, c, false, c === code);
    o.lang = c;
    return o;
  }));
}
