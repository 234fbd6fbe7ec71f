// Shared code of the console pages: the API client (session cookie + CSRF
// token), a small element builder, notices, confirmation and copy buttons.

const body = document.body;
export const tenant = body.dataset.tenant || '';
export const tenantName = body.dataset.tenantName || '';
export const role = body.dataset.role || '';
export const publicURL = body.dataset.publicUrl || location.origin;
export const me = { id: body.dataset.userId, name: body.dataset.userName, email: body.dataset.userEmail };
export const data = JSON.parse(document.getElementById('page-data')?.textContent || '{}') || {};
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';

const rank = { viewer: 1, developer: 2, admin: 3, owner: 4 };
// can says whether the signed-in user's role allows an action; the API
// enforces the same rules, this only keeps buttons that would fail away.
export const can = {
  configure: () => rank[role] >= rank.developer,
  manageMembers: () => rank[role] >= rank.admin,
  manageBilling: () => role === 'owner',
};

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

// api calls the REST API; path is under /api/v1. body: an object (sent as
// JSON), a Blob/File or FormData (sent as is), or undefined. A 401 sends
// the person to the sign-in page, unless opts.signedOut says it may happen.
export async function api(method, path, body, opts = {}) {
  const headers = { 'X-CSRF-Token': csrf };
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new APIError(0, 'network', 'The server cannot be reached: ' + e.message);
  }
  if (res.status === 401 && !path.startsWith('/auth/') && !opts.signedOut) {
    location.assign('/console/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new APIError(401, 'unauthorized', 'Your session has ended; sign in again.');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const out = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const e = out && out.error ? out.error : { code: 'http_' + res.status, message: String(out).slice(0, 200) };
    throw new APIError(res.status, e.code, e.message);
  }
  return out;
}

// tpath is a path under the current tenant.
export const tpath = (p = '') => '/tenants/' + tenant + p;

// h builds an element: h('a', {href, class, onclick}, 'text', child...).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// fill replaces an element's children.
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  el.removeAttribute('aria-busy');
}

// empty is an empty state: what is missing and what to do.
export const empty = (text, ...more) => h('div', { class: 'empty' }, h('p', {}, text), ...more);

// table renders rows with columns [{label, cell: row => node|string, class}].
export function table(columns, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.class, 'data-label': c.label }, c.cell(r))))))));
}

let toastTimer;
// toast shows a short notice; kind 'error' stays longer.
export function toast(text, kind = 'ok') {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.className = 'show ' + kind;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ''; }, kind === 'error' ? 8000 : 3500);
}

// showError puts an error under a form (or as a toast).
export function showError(form, err) {
  const p = form?.querySelector('.error');
  const text = err instanceof APIError ? err.message : String(err?.message || err);
  if (!p) { toast(text, 'error'); return; }
  p.textContent = text;
  p.hidden = false;
}

// onSubmit wires a form: fn gets the form's values; the button is disabled
// while it runs and errors show under the form.
export function onSubmit(form, fn) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = form.querySelector('.error');
    if (err) err.hidden = true;
    const btn = form.querySelector('[type=submit]');
    if (btn) btn.disabled = true;
    try {
      await fn(Object.fromEntries(new FormData(form)), form);
    } catch (e) {
      showError(form, e);
    } finally {
      if (btn) btn.disabled = false;
    }
  });
}

// confirmAction asks before something that cannot be undone.
export function confirmAction(text, ok = 'Confirm') {
  const dlg = document.getElementById('confirm');
  if (!dlg?.showModal) return Promise.resolve(window.confirm(text));
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = ok;
  dlg.returnValue = '';
  dlg.showModal();
  return new Promise((resolve) => dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true }));
}

// copyButton copies text to the clipboard.
export function copyButton(text, label = 'Copy') {
  return h('button', { class: 'btn small', type: 'button', onclick: async (ev) => {
    try {
      await navigator.clipboard.writeText(typeof text === 'function' ? text() : text);
      ev.target.textContent = 'Copied';
    } catch {
      ev.target.textContent = 'Select and copy';
    }
    setTimeout(() => { ev.target.textContent = label; }, 1500);
  } }, label);
}

// secretBox shows a secret that is shown only once.
export function secretBox(title, secret, note) {
  return h('div', { class: 'secret', role: 'alert' },
    h('strong', {}, title),
    h('div', { class: 'row' }, h('code', { class: 'break' }, secret), copyButton(secret)),
    note ? h('p', { class: 'hint' }, note) : null);
}

const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const fmtTime = (iso) => (iso ? dateFmt.format(new Date(iso)) : '—');
export const fmtDay = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '—');

// download saves text as a file.
export function download(name, text, type = 'application/octet-stream') {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

// Layout behaviour: tenant switcher, sign out, menu on small screens.
document.getElementById('tenant-switch')?.addEventListener('change', (ev) => {
  const page = tenant ? body.dataset.page : 'start';
  location.assign(ev.target.value ? `/console/t/${ev.target.value}/${page}` : '/console/tenants');
});
document.getElementById('logout')?.addEventListener('click', async () => {
  try { await api('POST', '/auth/logout'); } finally { location.assign('/console/login'); }
});
const toggle = document.querySelector('.menu-toggle');
toggle?.addEventListener('click', () => {
  const open = body.classList.toggle('nav-open');
  toggle.setAttribute('aria-expanded', String(open));
});
