import { api, tpath, tenantName, me, role, can, fill, h, empty, table, onSubmit, fmtTime, fmtDay, toast, confirmAction, copyButton } from './console.js';

const roles = ['owner', 'admin', 'developer', 'viewer'];
// mayTouch mirrors the API's rule: owners anything, admins all but owners.
const mayTouch = (r) => role === 'owner' || (can.manageMembers() && r !== 'owner');

async function load() {
  const { members, invitations } = await api('GET', tpath('/members'));
  fill(document.getElementById('members'), table([
    { label: 'Name', cell: (m) => [m.name, m.user_id === me.id ? [' ', h('span', { class: 'badge' }, 'you')] : null] },
    { label: 'E-mail', cell: (m) => m.email },
    { label: 'Role', cell: (m) => roleCell(m) },
    { label: 'Since', cell: (m) => fmtDay(m.since) },
    { label: '', cell: (m) => removeCell(m) },
  ], members, 'Members'));
  const inv = document.getElementById('invitations');
  if (!invitations.length) {
    fill(inv, empty('No pending invitations.'));
    return;
  }
  fill(inv, table([
    { label: 'E-mail', cell: (i) => i.email },
    { label: 'Role', cell: (i) => i.role },
    { label: 'Expires', cell: (i) => (i.expired ? h('span', { class: 'badge bad' }, 'expired') : fmtTime(i.expires_at)) },
    { label: '', cell: (i) => (can.manageMembers() ? h('button', { class: 'btn small danger', type: 'button', onclick: () => withdraw(i) }, 'Withdraw') : '') },
  ], invitations, 'Pending invitations'));
}

function roleCell(m) {
  if (!mayTouch(m.role)) return h('span', { class: 'badge' }, m.role);
  const sel = h('select', { 'aria-label': `Role of ${m.email}`, onchange: async () => {
    try {
      await api('PATCH', tpath('/members/' + m.user_id), { role: sel.value });
      toast(`${m.email} is now ${sel.value}`);
    } catch (e) {
      toast(e.message, 'error');
    }
    await load();
  } }, roles.filter((r) => mayTouch(r) || r === m.role).map((r) => h('option', { value: r, selected: r === m.role }, r)));
  return sel;
}

function removeCell(m) {
  const self = m.user_id === me.id;
  if (!self && !mayTouch(m.role)) return '';
  return h('button', { class: 'btn small danger', type: 'button', onclick: async () => {
    const q = self ? `Leave ${tenantName}? You lose access at once.` : `Remove ${m.email} from ${tenantName}? Their API tokens for it stop working.`;
    if (!(await confirmAction(q, self ? 'Leave' : 'Remove'))) return;
    try {
      await api('DELETE', tpath('/members/' + m.user_id));
      if (self) { location.assign('/console/tenants'); return; }
      toast(`${m.email} removed`);
      await load();
    } catch (e) {
      toast(e.message, 'error');
    }
  } }, self ? 'Leave' : 'Remove');
}

async function withdraw(i) {
  if (!(await confirmAction(`Withdraw the invitation of ${i.email}? The link stops working.`, 'Withdraw'))) return;
  try {
    await api('DELETE', tpath('/invitations/' + i.id));
    await load();
  } catch (e) {
    toast(e.message, 'error');
  }
}

onSubmit(document.getElementById('invite'), async (v, form) => {
  const inv = await api('POST', tpath('/invitations'), { email: v.email, role: v.role });
  form.reset();
  fill(document.getElementById('invite-result'), h('div', { class: 'secret', role: 'status' },
    h('strong', {}, `Invitation for ${inv.email} (${inv.role})`),
    h('div', { class: 'row' }, h('code', { class: 'break', id: 'invite-link' }, inv.link), copyButton(inv.link, 'Copy link')),
    h('p', { class: 'hint' }, inv.emailed ? 'It was e-mailed too. ' : 'Send them this link (no mail server is configured). ',
      'It works once, until ', fmtTime(inv.expires_at), '.')));
  await load();
});

if (!can.manageMembers()) {
  document.getElementById('invite').hidden = true;
  document.querySelector('#invite-panel h2').textContent = 'Invitations';
  document.getElementById('invite-panel').prepend(h('p', { class: 'hint' }, 'Only owners and admins invite people.'));
} else if (role !== 'owner') {
  document.querySelector('#invite select option[value=owner]').remove();
}
load().catch((e) => fill(document.getElementById('members'), h('p', { class: 'error' }, e.message)));
