// The subscription's money formats and its month-end actions, shared by My
// plan and Billing: what is scheduled for the 1st, cancelling (at month
// end) and keeping the subscription (dropping what is scheduled).
import { api, tpath, fill, h, toast, confirmAction, can } from './console.js';

const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
export const money = (cents) => usd.format(cents / 100);
export const longDate = (iso) => new Date(iso).toLocaleDateString(undefined, { timeZone: 'UTC', dateStyle: 'long' });
export const monthName = (m) => new Date(m + '-01T00:00:00Z').toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });

// nextMonth is the 1st of the month after the status's month, as an ISO date.
export function nextMonth(st) {
  const [y, m] = st.month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
}

// act runs a money action, tells how it went, then reloads the page's data.
export async function act(what, fn, reload) {
  try {
    await fn();
    toast(what);
  } catch (e) {
    toast(e.message, 'error');
  }
  await reload().catch((e) => toast(e.message, 'error'));
}

// renderScheduled fills el with what happens on the 1st: the scheduled
// change or cancellation with “Keep my subscription” / “Stay on”, or,
// with nothing scheduled, “Cancel subscription” (owners only; others read).
export function renderScheduled(el, st, reload) {
  const p = st.plan;
  const owner = can.manageBilling();
  const s = st.scheduled;
  if (s) {
    const text = s.kind === 'cancel'
      ? `Subscription cancelled: ${p.name} stays until the end of the month; on ${longDate(s.effective_at)} this tenant moves to ${s.plan.name}.`
      : `Changes to ${s.plan.name} on ${longDate(s.effective_at)}.`;
    fill(el, h('p', { class: 'notice', id: 'scheduled-text' }, text, ' ',
      owner ? h('button', { class: 'btn small', type: 'button', id: 'keep-plan',
        onclick: () => act(`${p.name} kept; nothing changes on ${longDate(s.effective_at)}`, () => api('DELETE', tpath('/plan/scheduled')), reload) },
      s.kind === 'cancel' ? 'Keep my subscription' : `Stay on ${p.name}`) : null));
  } else if (owner && p.id !== st.default_plan) {
    fill(el, h('p', { class: 'hint' }, h('button', { class: 'btn small danger', type: 'button', id: 'cancel-subscription', onclick: () => cancel(st, reload) },
      'Cancel subscription'), ` ${p.name} stays until the end of ${monthName(st.month)}; then this tenant moves to the default plan.`));
  } else {
    fill(el);
  }
}

async function cancel(st, reload) {
  const when = longDate(nextMonth(st));
  if (!(await confirmAction(`Cancel the ${st.plan.name} subscription? It stays until the end of the month; on ${when} this tenant moves to the default plan.`, 'Cancel subscription'))) return;
  await act(`Cancelled: the tenant moves to the default plan on ${when}`, () => api('POST', tpath('/plan/cancel')), reload);
}
