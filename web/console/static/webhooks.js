import { api, tpath, fill, h, empty, table, onSubmit, fmtTime, toast, confirmAction, can, secretBox } from './console.js';

// The JaaS event types an endpoint may subscribe to (webhook.EventTypes).
const EVENT_TYPES = [
  'ROOM_CREATED', 'ROOM_DESTROYED', 'PARTICIPANT_JOINED', 'PARTICIPANT_LEFT', 'PARTICIPANT_JOINED_LOBBY',
  'PARTICIPANT_LEFT_LOBBY', 'ROLE_CHANGED', 'USAGE', 'RECORDING_STARTED', 'RECORDING_ENDED', 'RECORDING_UPLOADED',
  'LIVE_STREAM_STARTED', 'LIVE_STREAM_ENDED', 'TRANSCRIPTION_UPLOADED', 'CHAT_UPLOADED', 'TRANSCRIPTION_CHUNK_RECEIVED',
  'SETTINGS_PROVISIONING', 'SIP_CALL_IN_STARTED', 'SIP_CALL_OUT_STARTED', 'SIP_CALL_IN_ENDED', 'SIP_CALL_OUT_ENDED',
  'DIAL_IN_STARTED', 'DIAL_OUT_STARTED', 'DIAL_IN_ENDED', 'DIAL_OUT_ENDED', 'FEEDBACK', 'SPEAKER_STATS', 'POLL_CREATED',
  'POLL_ANSWER', 'REACTIONS', 'AGGREGATED_REACTIONS', 'SCREEN_SHARING_HISTORY', 'VIDEO_SEGMENT_UPLOADED',
  'RTCSTATS_UPLOADED', 'DOCUMENT_ADDED', 'DOCUMENT_DELETED',
];
// Checked on a new endpoint: the meeting lifecycle.
const DEFAULT_EVENTS = ['ROOM_CREATED', 'ROOM_DESTROYED', 'PARTICIPANT_JOINED', 'PARTICIPANT_LEFT'];

const $ = (id) => document.getElementById(id);
const list = $('endpoints');
const detail = $('detail');
const createForm = $('create');
const editForm = $('edit');

let endpoints = [];
let selected = null; // id of the endpoint shown in the detail panel
let refreshTimer;

// ---- event checkboxes ----

function fillEvents(form, checked) {
  const box = form.querySelector('[data-events]');
  const prefix = form.id;
  fill(box, EVENT_TYPES.map((ev) => h('label', { class: 'check', for: `${prefix}-ev-${ev}` },
    h('input', { type: 'checkbox', name: 'events', value: ev, id: `${prefix}-ev-${ev}`, checked: checked.includes(ev) }),
    h('code', {}, ev))));
}

function checkedEvents(form) {
  return [...form.querySelectorAll('input[name=events]:checked')].map((i) => i.value);
}

for (const form of [createForm, editForm]) {
  form.querySelectorAll('[data-all]').forEach((b) => b.addEventListener('click', () => {
    form.querySelectorAll('input[name=events]').forEach((i) => { i.checked = b.dataset.all === '1'; });
  }));
}

// ---- the list ----

const enabledBadge = (e) => (e.enabled ? h('span', { class: 'badge ok' }, 'enabled') : h('span', { class: 'badge' }, 'disabled'));

function eventsSummary(events) {
  if (events.length === EVENT_TYPES.length) return 'all events';
  const shown = events.slice(0, 3).join(', ');
  return events.length > 3 ? h('span', { title: events.join(', ') }, `${shown} +${events.length - 3} more`) : shown;
}

async function load() {
  ({ webhooks: endpoints } = await api('GET', tpath('/webhooks')));
  if (!endpoints.length) {
    fill(list, empty(can.configure()
      ? 'No endpoint yet. Add one below to receive meeting events on your server.'
      : 'No endpoint yet. A developer of this tenant can add one.'));
  } else {
    fill(list, table([
      { label: 'URL', cell: (e) => h('code', { class: 'break' }, e.url) },
      { label: 'Events', cell: (e) => eventsSummary(e.events) },
      { label: 'Status', cell: enabledBadge },
      { label: 'Created', cell: (e) => fmtTime(e.created_at) },
      { label: '', cell: (e) => h('button', { class: 'btn small', type: 'button', 'aria-controls': 'detail', dataset: { manage: e.id },
        onclick: () => select(e.id) }, can.configure() ? 'Manage' : 'Deliveries') },
    ], endpoints, 'Webhook endpoints'));
  }
  if (selected && !endpoints.some((e) => e.id === selected)) close();
  else if (selected) await showDetail(!$('edit-box').open); // keep edits being made
}

// ---- one endpoint ----

function current() {
  return endpoints.find((e) => e.id === selected);
}

async function select(id) {
  const changed = selected !== id;
  selected = id;
  if (changed) {
    fill($('rotated'));
    $('edit-box').open = false;
  }
  await showDetail(changed);
  detail.hidden = false;
  if (changed) detail.scrollIntoView({ block: 'start' });
}

function close() {
  selected = null;
  clearTimeout(refreshTimer);
  detail.hidden = true;
}

async function showDetail(resetForm = true) {
  const e = current();
  if (!e) return;
  $('detail-title').textContent = 'Endpoint ' + e.id;
  fill($('detail-facts'),
    h('dt', {}, 'URL'), h('dd', {}, h('code', {}, e.url)),
    h('dt', {}, 'Status'), h('dd', {}, enabledBadge(e)),
    h('dt', {}, 'Events'), h('dd', {}, e.events.join(', ')),
    h('dt', {}, 'Authorization'), h('dd', {}, e.authorization ? h('code', {}, e.authorization) : 'none'),
    h('dt', {}, 'Created'), h('dd', {}, fmtTime(e.created_at)),
    h('dt', {}, 'Updated'), h('dd', {}, fmtTime(e.updated_at)));
  $('toggle').textContent = e.enabled ? 'Disable' : 'Enable';
  $('toggle').setAttribute('aria-pressed', String(!e.enabled));
  if (resetForm) {
    editForm.elements.url.value = e.url;
    editForm.elements.authorization.value = e.authorization || '';
    fillEvents(editForm, e.events);
  }
  await loadDeliveries();
}

const statusBadge = (s) => {
  const kind = { succeeded: 'ok', pending: 'warn', retrying: 'warn', dead: 'bad' }[s] || '';
  return h('span', { class: 'badge ' + kind }, s);
};

async function loadDeliveries() {
  clearTimeout(refreshTimer);
  const id = selected;
  if (!id) return;
  const box = $('deliveries');
  let deliveries;
  try {
    ({ deliveries } = await api('GET', tpath(`/webhooks/${id}/deliveries`)));
  } catch (err) {
    fill(box, h('p', { class: 'error' }, err.message));
    return;
  }
  if (id !== selected) return;
  if (!deliveries.length) {
    fill(box, empty('Nothing delivered yet.', can.configure() ? h('p', { class: 'hint' }, 'Use “Send test event” to try the endpoint.') : null));
  } else {
    fill(box, table([
      { label: 'Created', cell: (d) => fmtTime(d.created_at) },
      { label: 'Event', cell: (d) => h('code', {}, d.event_type) },
      { label: 'Status', cell: (d) => statusBadge(d.status) },
      { label: 'Attempts', class: 'num', cell: (d) => String(d.attempts) },
      { label: 'HTTP', class: 'num', cell: (d) => (d.status_code ? String(d.status_code) : '—') },
      { label: 'Latency', class: 'num', cell: (d) => (d.attempts ? `${d.latency_ms} ms` : '—') },
      { label: 'Next attempt', cell: (d) => (d.next_attempt_at && (d.status === 'pending' || d.status === 'retrying') ? fmtTime(d.next_attempt_at) : '—') },
      { label: 'Response', cell: responseCell },
      { label: '', cell: (d) => (can.configure() ? h('button', { class: 'btn small', type: 'button', onclick: () => replay(d) }, 'Replay') : '') },
    ], deliveries, 'Deliveries'));
  }
  // Deliveries on their way change by themselves: look again shortly.
  if (deliveries.some((d) => d.status === 'pending' || d.status === 'retrying')) {
    refreshTimer = setTimeout(() => loadDeliveries().catch(() => {}), 2000);
  }
}

function responseCell(d) {
  const text = d.error || d.response_snippet;
  return h('div', { class: 'stack tight' },
    text ? h('code', { class: 'break' + (d.error ? ' error' : '') }, text.length > 160 ? text.slice(0, 160) + '…' : text) : null,
    h('details', {}, h('summary', {}, 'Payload'), h('pre', { class: 'payload' }, h('code', {}, pretty(d.payload)))));
}

function pretty(s) {
  try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s || ''; }
}

// act runs one change and reloads the page's data.
async function act(fn, done) {
  try {
    await fn();
    if (done) toast(done);
  } catch (err) {
    toast(err.message, 'error');
  }
  await load().catch((err) => toast(err.message, 'error'));
}

async function replay(d) {
  await act(() => api('POST', tpath(`/webhooks/${selected}/deliveries/${d.id}/replay`)), `${d.event_type} queued again`);
}

$('send-test').addEventListener('click', () =>
  act(() => api('POST', tpath(`/webhooks/${selected}/test`)), 'Test event queued; it shows in the delivery log below'));

$('toggle').addEventListener('click', () => {
  const e = current();
  return act(() => api('PATCH', tpath(`/webhooks/${e.id}`), { enabled: !e.enabled }), e.enabled ? 'Endpoint disabled' : 'Endpoint enabled');
});

$('rotate').addEventListener('click', async () => {
  const e = current();
  if (!(await confirmAction(`Rotate the signing secret of ${e.url}? Events are signed with the new secret at once; requests signed with the old one stop verifying.`, 'Rotate secret'))) return;
  await act(async () => {
    const r = await api('POST', tpath(`/webhooks/${e.id}/rotate-secret`));
    fill($('rotated'), secretBox('New signing secret', r.secret, 'Shown only this once: put it in your receiver’s configuration now.'));
  }, 'Secret rotated');
});

$('delete').addEventListener('click', async () => {
  const e = current();
  if (!(await confirmAction(`Delete the endpoint ${e.url}? Its pending deliveries are dropped. This cannot be undone.`, 'Delete endpoint'))) return;
  await act(async () => {
    await api('DELETE', tpath(`/webhooks/${e.id}`));
    close();
  }, 'Endpoint deleted');
});

$('refresh').addEventListener('click', () => loadDeliveries());
$('detail-close').addEventListener('click', close);

onSubmit(editForm, async (v) => {
  const events = checkedEvents(editForm);
  if (!events.length) throw new Error('Choose at least one event type.');
  await api('PATCH', tpath(`/webhooks/${selected}`), { url: v.url, events, authorization: v.authorization });
  toast('Endpoint saved');
  $('edit-box').open = false;
  await load();
});

onSubmit(createForm, async (v, form) => {
  const events = checkedEvents(form);
  if (!events.length) throw new Error('Choose at least one event type.');
  const body = { url: v.url, events };
  if (v.authorization) body.authorization = v.authorization;
  const e = await api('POST', tpath('/webhooks'), body);
  form.reset();
  fillEvents(form, DEFAULT_EVENTS);
  fill($('created'), secretBox(`Endpoint ${e.url} added. Its signing secret:`, e.secret,
    'Shown only this once: store it with your receiver to verify X-Jaas-Signature. You can rotate it later.'));
  toast('Endpoint added');
  await load();
});

fillEvents(createForm, DEFAULT_EVENTS);
if (!can.configure()) {
  $('add-endpoint').hidden = true;
  $('detail-actions').hidden = true;
  $('edit-box').hidden = true;
}
load().catch((e) => fill(list, h('p', { class: 'error' }, e.message)));
