import { api, tpath, fill, h, empty, table, onSubmit, showError, fmtDay, toast, can } from './console.js';
import { renderScheduled, monthName } from './subscription.js';

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

const providerName = (p) => ({ stripe: 'Stripe' }[p] || p);
const brandName = (b) => ({ visa: 'Visa', mastercard: 'Mastercard', amex: 'American Express', discover: 'Discover' }[b] || b || 'Card');
const listing = (xs) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}` : xs.join(''));

let payment = { provider: '' }; // how this tenant pays, as last read
let polls = 20; // reloads left while an invoice is being charged

// statusCell is an invoice's status with its payment state: being charged,
// paid, or failed with the reason, the attempts and the next try.
function statusCell(v) {
  const badge = (kind, text) => h('span', { class: 'badge ' + kind, dataset: { status: v.status } }, text);
  switch (v.status) {
    case 'paid':
      return h('span', {}, badge('ok', 'paid'), v.paid_at ? h('span', { class: 'hint' }, ' ' + fmtDay(v.paid_at)) : null);
    case 'charging':
      return h('span', {}, badge('warn', 'charging'), h('div', { class: 'hint' }, 'charging the card on file…'));
    case 'failed':
      return h('div', { class: 'pay-state' }, badge('bad', 'payment failed'),
        h('div', { class: 'pay-error' }, v.payment_error || 'the card was declined'),
        h('div', { class: 'hint' }, `${v.payment_attempts} attempt${v.payment_attempts === 1 ? '' : 's'} · `,
          v.payment_retry_at ? `next try ${fmtDay(v.payment_retry_at)}` : 'no automatic retry left'),
        payButton(v));
    case 'open':
      return h('div', { class: 'pay-state' }, new Date(v.due_at) < new Date() ? badge('bad', 'overdue') : badge('warn', 'open'), payButton(v));
    default:
      return badge('', v.status);
  }
}

const invoiceURL = (v, download) => `/api/v1${tpath('/invoices/' + encodeURIComponent(v.id))}?format=html${download ? '&download=1' : ''}`;

// payButton is “Retry now” for a failed invoice and “Pay now” for an open
// one, for owners when a card is on file.
function payButton(v) {
  if (!can.manageBilling() || !payment.card || (v.status !== 'failed' && v.status !== 'open')) return null;
  return h('button', { class: 'btn small primary', type: 'button', dataset: { retry: v.id }, onclick: (ev) => retry(v, ev.target) },
    v.status === 'failed' ? 'Retry now' : 'Pay now');
}

async function retry(v, btn) {
  btn.disabled = true;
  try {
    await api('POST', tpath('/invoices/' + encodeURIComponent(v.id) + '/retry'));
    toast(`Charging the card for invoice ${v.number}`);
  } catch (e) {
    toast(e.message, 'error');
  }
  polls = 20;
  await loadInvoices().catch((e) => toast(e.message, 'error'));
}

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
    { label: 'Invoice', cell: (v) => h('code', { class: 'nowrap' }, v.number) },
    { label: 'Month', cell: (v) => h('div', { class: 'stack tight' }, monthName(v.month), h('span', { class: 'hint nowrap' }, 'issued ' + fmtDay(v.issued_at))) },
    { label: 'Plan', cell: (v) => v.plan },
    { label: 'MAU', class: 'num', cell: (v) => `${num.format(v.mau)} / ${num.format(v.included_mau)}` },
    { label: 'Total', class: 'num', cell: (v) => money(v.total_cents, v.currency) },
    { label: 'Status', cell: statusCell },
    { label: 'Due', cell: (v) => (v.status === 'open' || v.status === 'failed' ? fmtDay(v.due_at) : '—') },
    { label: '', cell: (v) => h('span', { class: 'row' },
      h('a', { class: 'btn small', href: invoiceURL(v, false), target: '_blank', rel: 'noopener', 'aria-label': `View invoice ${v.number}` }, 'View'),
      h('a', { class: 'btn small', href: invoiceURL(v, true), download: `invoice-${v.number}.html`, 'aria-label': `Download invoice ${v.number}` }, 'Download')) },
  ], invoices, 'Invoices'));
  if (invoices.some((v) => v.status === 'charging') && polls-- > 0) setTimeout(() => loadInvoices().catch(() => {}), 1500);
}

// loadPayment shows the card panel when the operator collects through a
// provider; without one the page keeps the manual flow.
async function loadPayment() {
  payment = await api('GET', tpath('/billing/payment'));
  if (!payment.provider) return;
  const name = providerName(payment.provider);
  const days = (payment.retry_after_days || []).map(String);
  $('billing-intro').textContent = 'Each month closes into one invoice: the plan’s price plus the active users beyond what it includes. ' +
    'Invoices are charged to the card on file when issued' + (days.length ? `; a failed payment is tried again ${listing(days)} days after each failure` : '') +
    ', and the owners and the billing contact are e-mailed when one fails. Without a card, pay as agreed with the operator.';
  const c = payment.card;
  fill($('card'), c
    ? h('p', { class: 'card-line' }, h('span', {}, h('b', {}, brandName(c.brand)), ` ending in ${c.last4}`), h('span', { class: 'badge ok' }, 'charged automatically'))
    : h('p', { class: 'hint', id: 'no-card' }, 'No card on file: invoices are not charged automatically.'));
  const btn = $('card-change');
  btn.textContent = c ? 'Change card' : 'Add card';
  if (can.manageBilling()) {
    $('card-note').textContent = `You enter the card on ${name}’s page; Confer never sees its number.`;
  } else {
    btn.disabled = true;
    btn.title = 'Only an owner of this tenant can add or change the card.';
    $('card-note').textContent = btn.title;
  }
  $('payment').hidden = false;
}

$('card-change').addEventListener('click', async (ev) => {
  const btn = ev.currentTarget;
  const label = btn.textContent;
  btn.disabled = true;
  btn.textContent = `Opening ${providerName(payment.provider)}…`;
  try {
    const { url } = await api('POST', tpath('/billing/payment-method'));
    location.assign(url);
  } catch (e) {
    toast(e.message, 'error');
    btn.disabled = false;
    btn.textContent = label;
  }
});

async function loadSubscription() {
  const st = await api('GET', tpath('/plan'));
  const p = st.plan;
  fill($('subscription'), h('p', { class: 'row' }, h('span', {}, h('b', {}, p.name), `: ${money(p.price_cents)} a month, ${num.format(st.included_mau)} active users included.`),
    h('a', { href: 'plan' }, can.manageBilling() ? 'Change plan or add-ons' : 'Plan and add-ons')));
  renderScheduled($('scheduled'), st, loadSubscription);
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
loadSubscription().catch((e) => fill($('subscription'), h('p', { class: 'error' }, e.message)));
loadPayment()
  .catch((e) => toast(e.message, 'error'))
  .finally(() => loadInvoices().catch((e) => fill($('invoices'), h('p', { class: 'error' }, e.message))));
