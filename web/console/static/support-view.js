// How support requests look, on the tenant's Support page and in the
// operator's inbox.
import { h, fill, table, fmtTime } from './console.js';

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

// requestTable lists requests, each subject opening its thread; the
// operator's inbox also names the tenant and the requester's address.
export function requestTable(requests, open, operator = false) {
  return table([
    { label: 'Subject', cell: (r) => h('button', { class: 'linkish', type: 'button', 'aria-controls': 'thread', dataset: { request: r.id },
      onclick: () => open(r.id) }, r.subject) },
    operator ? { label: 'Tenant', cell: (r) => r.tenant_name } : null,
    { label: 'Status', cell: (r) => statusBadge(r.status) },
    { label: 'Severity', cell: (r) => severityBadge(r.severity) },
    { label: 'From', cell: (r) => (operator ? r.opened_by.email : r.opened_by.name) },
    { label: 'Updated', cell: (r) => fmtTime(r.updated_at) },
    { label: 'Replies', class: 'num', cell: (r) => String(r.replies) },
  ].filter(Boolean), requests, 'Support requests');
}

// showThread fills the thread panel with the request.
export function showThread(r, operator = false) {
  document.getElementById('thread-title').textContent = r.subject;
  fill(document.getElementById('thread-facts'), facts(r, operator));
  fill(document.getElementById('messages'), r.messages.map(messageItem));
}
