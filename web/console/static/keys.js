import { api, tpath, fill, h, empty, table, onSubmit, fmtTime, toast, confirmAction, can, download, secretBox } from './console.js';

const list = document.getElementById('keys');
const upload = document.getElementById('upload');

async function load() {
  const { keys } = await api('GET', tpath('/keys'));
  if (!keys.length) {
    fill(list, empty('No API key yet. Upload your public key or generate a pair below; tokens need one to be accepted.'));
    return;
  }
  fill(list, table([
    { label: 'Key id (kid)', cell: (k) => h('code', { class: 'break' }, k.kid) },
    { label: 'Size', cell: (k) => `RSA ${k.bits}` },
    { label: 'Fingerprint', cell: (k) => h('code', { class: 'break', title: 'SHA-256 of the public key' }, k.fingerprint.slice(0, 23) + '…') },
    { label: 'Created', cell: (k) => fmtTime(k.created_at) },
    { label: 'Last used', cell: (k) => (k.last_used_at ? fmtTime(k.last_used_at) : 'never') },
    { label: 'Status', cell: (k) => (k.revoked_at ? h('span', { class: 'badge bad' }, 'revoked') : h('span', { class: 'badge ok' }, 'active')) },
    { label: '', cell: (k) => (k.revoked_at || !can.configure() ? '' : h('button', { class: 'btn small danger', type: 'button', onclick: () => revoke(k) }, 'Revoke')) },
  ], keys, 'API keys'));
}

async function revoke(k) {
  if (!(await confirmAction(`Revoke ${k.kid}? Tokens signed with it are refused at once (keyRevoked). This cannot be undone.`, 'Revoke key'))) return;
  try {
    await api('DELETE', tpath('/keys/' + k.id));
    toast(`${k.kid} revoked`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

onSubmit(upload, async (v, form) => {
  const body = { public_key: v.public_key };
  if (v.id) body.id = v.id;
  const k = await api('POST', tpath('/keys'), body);
  form.reset();
  toast(`Key ${k.kid} added`);
  await load();
});

onSubmit(document.getElementById('generate'), async () => {
  const k = await api('POST', tpath('/keys'), { generate: true });
  download(k.id + '.pk', k.private_key, 'application/x-pem-file');
  fill(document.getElementById('generated'),
    secretBox(`Key ${k.kid} created`, k.kid, `The private key was downloaded as ${k.id}.pk. Confer does not keep it: store it with your server's secrets.`));
  await load();
});

// Drag and drop (or choose) a PEM file into the textarea.
const drop = document.getElementById('drop');
const area = upload.elements.public_key;
for (const el of [drop, area]) {
  el.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  el.addEventListener('dragleave', () => drop.classList.remove('over'));
  el.addEventListener('drop', async (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer.files[0];
    if (f) area.value = await f.text();
  });
}

if (!can.configure()) {
  document.getElementById('add-key').hidden = true;
}
load().catch((e) => fill(list, h('p', { class: 'error' }, e.message)));
