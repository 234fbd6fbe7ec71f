import { api, tpath, me, can, fill, h, empty, table, onSubmit, fmtTime, toast, confirmAction, secretBox } from './console.js';

async function load() {
  const { tokens } = await api('GET', tpath('/api-tokens'));
  const el = document.getElementById('tokens');
  if (!tokens.length) {
    fill(el, empty('No API tokens yet. Create one above for scripts and CI.'));
    return;
  }
  fill(el, table([
    { label: 'Name', cell: (t) => t.name },
    { label: 'Token', cell: (t) => h('code', {}, t.prefix + '…') },
    { label: 'Owner', cell: (t) => (t.user_id === me.id ? 'you' : t.user_id) },
    { label: 'Created', cell: (t) => fmtTime(t.created_at) },
    { label: 'Last used', cell: (t) => (t.last_used_at ? fmtTime(t.last_used_at) : 'never') },
    { label: 'Status', cell: (t) => (t.revoked_at ? h('span', { class: 'badge bad' }, 'revoked') : h('span', { class: 'badge ok' }, 'active')) },
    { label: '', cell: (t) => (t.revoked_at || (t.user_id !== me.id && !can.manageMembers()) ? ''
      : h('button', { class: 'btn small danger', type: 'button', onclick: () => revoke(t) }, 'Revoke')) },
  ], tokens, 'API tokens'));
}

async function revoke(t) {
  if (!(await confirmAction(`Revoke "${t.name}"? Anything using it gets 401 at once.`, 'Revoke token'))) return;
  try {
    await api('DELETE', tpath('/api-tokens/' + t.id));
    toast(`${t.name} revoked`);
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

onSubmit(document.getElementById('create'), async (v, form) => {
  const t = await api('POST', tpath('/api-tokens'), { name: v.name });
  form.reset();
  fill(document.getElementById('created'), secretBox(`Token "${t.name}" created`, t.token, 'Copy it now: it is shown only this once.'));
  await load();
});

load().catch((e) => fill(document.getElementById('tokens'), h('p', { class: 'error' }, e.message)));
