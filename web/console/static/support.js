// The tenant's Support page: its requests to the operator and, for the one
// opened, the thread, a reply form and close/reopen.
import { api, tpath, tenant, fill, h, empty, onSubmit, toast, can } from './console.js';
import { openSupport } from './support-form.js';
import { requestTable, showThread } from './support-view.js';

const $ = (id) => document.getElementById(id);
let opened = decodeURIComponent(location.hash.slice(1)) || null; // the request shown in the thread panel

async function load() {
  const status = $('status-filter').value;
  const { requests } = await api('GET', tpath('/support' + (status ? '?status=' + status : '')));
  const box = $('requests');
  if (!requests.length) {
    fill(box, empty(status === 'active' ? 'No open request. Use “New request” or ✉ Support on any page.' : 'No request here.'));
  } else {
    fill(box, requestTable(requests, open));
  }
  if (opened) await open(opened, false);
}

async function open(id, focus = true) {
  opened = id;
  history.replaceState(null, '', location.pathname + location.search + '#' + encodeURIComponent(id));
  const panel = $('thread');
  let r;
  try {
    r = await api('GET', tpath('/support/' + encodeURIComponent(id)));
  } catch (e) {
    opened = null;
    toast(e.message, 'error');
    panel.hidden = true;
    return;
  }
  showThread(r);
  const reply = $('reply');
  reply.hidden = !can.configure();
  const closed = r.status === 'closed';
  $('set-status').textContent = closed ? 'Reopen request' : 'Close request';
  $('set-status').dataset.to = closed ? 'open' : 'closed';
  panel.hidden = false;
  if (focus) $('thread-title').focus();
}

onSubmit($('reply'), async (v, form) => {
  await api('POST', tpath('/support/' + encodeURIComponent(opened) + '/replies'), { body: v.body });
  form.reset();
  toast('Reply sent');
  await load();
});

$('set-status').addEventListener('click', async (ev) => {
  try {
    const r = await api('POST', tpath('/support/' + encodeURIComponent(opened) + '/status'), { status: ev.target.dataset.to });
    toast(r.status === 'closed' ? 'Request closed' : 'Request reopened');
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
});

$('thread-hide').addEventListener('click', () => {
  opened = null;
  $('thread').hidden = true;
  history.replaceState(null, '', location.pathname + location.search);
});
$('status-filter').addEventListener('change', () => load().catch((e) => toast(e.message, 'error')));
$('new-request').addEventListener('click', () => openSupport());
$('new-request').hidden = !can.configure();
document.addEventListener('support:opened', (ev) => {
  if (ev.detail.tenant === tenant) { opened = ev.detail.id; load(); }
});

load().catch((e) => fill($('requests'), h('p', { class: 'error' }, e.message)));
