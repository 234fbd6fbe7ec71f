// The operator's support inbox: every tenant's requests, answered with the
// admin token (operator.js).
import { fill, empty, toast, onSubmit } from './console.js';
import { requestTable, showThread } from './support-view.js';
import { call, operatorPage } from './operator.js';

const $ = (id) => document.getElementById(id);
let opened = decodeURIComponent(location.hash.slice(1)) || null;

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

operatorPage(load, () => { $('thread').hidden = true; });
fill($('requests'), []);
