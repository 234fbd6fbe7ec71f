// The operator's pages (support inbox, plans and offers) share one way in:
// the admin token, kept in this tab's sessionStorage and sent as a bearer
// token (the operator has no console session). Elements marked
// data-operator show once the token is the operator's.
import { toast, onSubmit, APIError } from './console.js';

const $ = (id) => document.getElementById(id);
const KEY = 'confer-admin-token';
let token = sessionStorage.getItem(KEY) || '';
let onForget = () => {};

// call is the REST API with the admin token (and no cookie).
export async function call(method, path, body) {
  const headers = { Authorization: 'Bearer ' + token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch('/api/v1' + path, { method, headers, credentials: 'omit', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new APIError(0, 'network', 'The server cannot be reached: ' + e.message);
  }
  const out = await res.json().catch(() => ({}));
  if (res.status === 401) {
    forget('The admin token is not valid (any more); paste it again.');
    throw new APIError(401, 'unauthorized', out.error?.message || 'not signed in');
  }
  if (!res.ok) throw new APIError(res.status, out.error?.code || 'http_' + res.status, out.error?.message || 'HTTP ' + res.status);
  return out;
}

function show(on) {
  $('token-panel').hidden = on;
  $('forget').hidden = !on;
  for (const el of document.querySelectorAll('[data-operator]')) el.hidden = !on;
}

// forget drops the token and shows the token form again.
export function forget(why) {
  token = '';
  sessionStorage.removeItem(KEY);
  show(false);
  onForget();
  if (why) toast(why, 'error');
}

async function start(ready) {
  const me = await call('GET', '/me');
  if (!me.operator) {
    forget();
    throw new Error('That token acts as ' + (me.user?.email || 'a member') + ', not as the operator: paste the admin token.');
  }
  sessionStorage.setItem(KEY, token);
  show(true);
  await ready();
}

// operatorPage wires the token form; ready loads the page once the token
// is accepted (at once when this tab has it already), cleared runs when
// it is forgotten.
export function operatorPage(ready, cleared = () => {}) {
  onForget = cleared;
  onSubmit($('token-form'), async (v, form) => {
    token = v.token.trim();
    await start(ready);
    form.reset();
  });
  $('forget').addEventListener('click', () => forget());
  if (token) start(ready).catch((e) => toast(e.message, 'error'));
}
