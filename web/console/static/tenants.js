import { api, fill, h, empty, table, onSubmit, fmtDay, toast } from './console.js';

const list = document.getElementById('tenant-list');

async function load() {
  const out = await api('GET', '/tenants');
  if (!out.tenants.length) {
    fill(list, empty('You belong to no tenant yet. Create one below, or open an invitation link.'));
    return;
  }
  fill(list, table([
    { label: 'Name', cell: (t) => h('a', { href: `/console/t/${t.id}/start` }, t.name) },
    { label: 'AppID', cell: (t) => h('code', {}, t.id) },
    { label: 'Your role', cell: (t) => h('span', { class: 'badge' }, t.role) },
    { label: 'Created', cell: (t) => fmtDay(t.created_at) },
  ], out.tenants, 'Your tenants'));
}

onSubmit(document.getElementById('create-tenant'), async (v, form) => {
  const body = { name: v.name };
  if (v.id) body.id = v.id.trim();
  const t = await api('POST', '/tenants', body);
  form.reset();
  toast(`Tenant ${t.name} created`);
  location.assign(`/console/t/${t.id}/start`);
});

load().catch((e) => fill(list, h('p', { class: 'error' }, e.message)));
