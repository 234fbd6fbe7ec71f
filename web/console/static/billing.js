import { api, tpath, fill, h, empty, table, onSubmit, showError, fmtDay, toast, can } from './console.js';

const $ = (id) => document.getElementById(id);
const contact = $('contact');
const num = new Intl.NumberFormat();

function money(cents, currency = 'USD') {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

const monthName = (m) => new Date(m + '-01T00:00:00Z').toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });

function statusBadge(v) {
  if (v.status === 'open' && new Date(v.due_at) < new Date()) return h('span', { class: 'badge bad' }, 'overdue');
  const kind = { open: 'warn', paid: 'ok', void: '' }[v.status] ?? '';
  return h('span', { class: 'badge ' + kind, title: v.paid_at ? 'Paid ' + fmtDay(v.paid_at) : undefined }, v.status);
}

const invoiceURL = (v, download) => `/api/v1${tpath('/invoices/' + encodeURIComponent(v.id))}?format=html${download ? '&download=1' : ''}`;

async function loadContact() {
  const { email } = await api('GET', tpath('/billing'));
  contact.elements.email.value = email || '';
}

async function loadInvoices() {
  const { invoices } = await api('GET', tpath('/invoices'));
  if (!invoices.length) {
    fill($('invoices'), empty('No invoice yet. The first one is issued when this tenant’s first month ends.',
      h('p', { class: 'hint' }, 'Until then, the projected amount is on ', h('a', { href: 'plan' }, 'My plan'), '.')));
    return;
  }
  fill($('invoices'), table([
    { label: 'Invoice', cell: (v) => h('code', {}, v.number) },
    { label: 'Month', cell: (v) => monthName(v.month) },
    { label: 'Plan', cell: (v) => v.plan },
    { label: 'MAU', class: 'num', cell: (v) => `${num.format(v.mau)} / ${num.format(v.included_mau)}` },
    { label: 'Total', class: 'num', cell: (v) => money(v.total_cents, v.currency) },
    { label: 'Status', cell: statusBadge },
    { label: 'Issued', cell: (v) => fmtDay(v.issued_at) },
    { label: 'Due', cell: (v) => (v.status === 'open' ? fmtDay(v.due_at) : '—') },
    { label: '', cell: (v) => h('span', { class: 'row' },
      h('a', { class: 'btn small', href: invoiceURL(v, false), target: '_blank', rel: 'noopener', 'aria-label': `View invoice ${v.number}` }, 'View'),
      h('a', { class: 'btn small', href: invoiceURL(v, true), download: `invoice-${v.number}.html`, 'aria-label': `Download invoice ${v.number}` }, 'Download')) },
  ], invoices, 'Invoices'));
}

onSubmit(contact, async (v) => {
  await api('PUT', tpath('/billing'), { email: (v.email || '').trim() });
  toast(v.email ? 'Billing contact saved' : 'Billing contact cleared');
  await loadContact();
});

if (!can.manageBilling()) {
  contact.elements.email.readOnly = true;
  contact.querySelector('[type=submit]').hidden = true;
  $('contact-note').textContent = 'Only an owner of this tenant can change the billing contact.';
}
loadContact().catch((e) => showError(contact, e));
loadInvoices().catch((e) => fill($('invoices'), h('p', { class: 'error' }, e.message)));

