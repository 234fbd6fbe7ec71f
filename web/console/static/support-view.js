// How support requests look, on the tenant's Support page and in the
// operator's inbox.
import { h, fmtTime } from './console.js';

export const statusBadge = (s) => h('span', { class: 'badge ' + ({ open: 'warn', answered: 'ok' }[s] || ''), dataset: { status: s } }, s);
export const severityBadge = (s) => h('span', { class: 'badge ' + ({ high: 'warn', urgent: 'bad' }[s] || '') }, s);

// messageItem is one message of a thread; the operator's stand out.
export function messageItem(m) {
  return h('li', { class: 'message' + (m.author.operator ? ' operator' : '') },
    h('div', { class: 'from' }, h('b', {}, m.author.name), m.author.operator ? h('span', { class: 'badge ok' }, 'operator') : null,
      h('span', { class: 'hint' }, fmtTime(m.created_at))),
    h('div', { class: 'body' }, m.body));
}

// facts are the request's details for a <dl class="facts">.
export function facts(r, withTenant = false) {
  return [
    h('dt', {}, 'Request'), h('dd', {}, h('code', {}, r.id)),
    withTenant ? [h('dt', {}, 'Tenant'), h('dd', {}, `${r.tenant_name} `, h('code', {}, r.tenant))] : null,
    h('dt', {}, 'Status'), h('dd', {}, statusBadge(r.status), r.closed_at ? ` since ${fmtTime(r.closed_at)}` : ''),
    h('dt', {}, 'Severity'), h('dd', {}, severityBadge(r.severity)),
    h('dt', {}, 'Opened'), h('dd', {}, `${fmtTime(r.created_at)} by ${r.opened_by.name} <${r.opened_by.email}>`),
    r.page ? [h('dt', {}, 'Sent from'), h('dd', {}, withTenant ? h('code', {}, r.page) : h('a', { href: r.page }, r.page))] : null,
    r.meeting_id ? [h('dt', {}, 'Meeting'), h('dd', {}, h('code', {}, r.meeting_id))] : null,
  ].flat();
}
