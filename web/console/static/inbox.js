// The operator's support inbox: every tenant's requests, answered with the
// admin token (kept in this tab's sessionStorage, sent as a bearer token;
// the operator has no console session).
import { fill, empty, toast, onSubmit, APIError } from './console.js';
import { requestTable, showThread } from './support-view.js';

const $ = (id) => document.getElementById(id);
const KEY = 'confer-admin-token';
let token = sessionStorage.getItem(KEY) || '';
let opened = decodeURIComponent(location.hash.slice(1)) || null;

// call is the REST API with the admin token (and no cookie).
async function call(method, path, body) {
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

function forget(why) {
  token = '';
  sessionStorage.removeItem(KEY);
  $('token-panel').hidden = false;
  $('inbox').hidden = $('thread').hidden = $('forget').hidden = true;
  if (why) toast(why, 'error');
}

async function start() {
  const me = await call('GET', '/me');
  if (!me.operator) {
    forget();
    throw new Error('That token acts as ' + (me.user?.email || 'a member') + ', not as the operator: paste the admin token.');
  }
  sessionStorage.setItem(KEY, token);
  $('token-panel').hidden = true;
  $('inbox').hidden = $('forget').hidden = false;
  await load();
}

async function load() {
  const status = $('status-filter').value;
  const { requests, emailed } = await call('GET', '/support' + (status ? '?status=' + status : ''));
  $('mail-note').textContent = emailed ? 'New requests and members’ replies are also e-mailed to support.email.'
    : 'Set smtp.addr and support.email to have new requests e-mailed to you.';
  const box = $('requests');
  if (!requests.length) {
    fill(box, empty(status === 'active' ? 'Nothing waiting: every request is closed.' : 'No request here.'));
  } else {
    fill(box, requestTable(requests, open, true));
  }
  if (opened) await open(opened, false);
}

async function open(id, focus = true) {
  opened = id;
  history.replaceState(null, '', location.pathname + '#' + encodeURIComponent(id));
  let r;
  try {
    r = await call('GET', '/support/' + encodeURIComponent(id));
  } catch (e) {
    opened = null;
    $('thread').hidden = true;
    toast(e.message, 'error');
    return;
  }
  showThread(r, true);
  for (const b of document.querySelectorAll('#reply [data-status]')) b.hidden = b.dataset.status === r.status;
  $('thread').hidden = false;
  if (focus) $('thread-title').focus();
}

onSubmit($('token-form'), async (v, form) => {
  token = v.token.trim();
  await start();
  form.reset();
});

onSubmit($('reply'), async (v, form) => {
  await call('POST', '/support/' + encodeURIComponent(opened) + '/replies', { body: v.body });
  form.reset();
  toast('Answer sent');
  await load();
});

for (const b of document.querySelectorAll('#reply [data-status]')) {
  b.addEventListener('click', async () => {
    try {
      const r = await call('POST', '/support/' + encodeURIComponent(opened) + '/status', { status: b.dataset.status });
      toast(`${r.subject}: ${r.status}`);
      await load();
    } catch (e) {
      toast(e.message, 'error');
    }
  });
}

$('thread-hide').addEventListener('click', () => {
  opened = null;
  $('thread').hidden = true;
  history.replaceState(null, '', location.pathname);
});
$('status-filter').addEventListener('change', () => load().catch((e) => toast(e.message, 'error')));
$('forget').addEventListener('click', () => forget());

if (token) start().catch((e) => toast(e.message, 'error'));
else fill($('requests'), []);
