// The support button of every console page: a dialog that sends a support
// request to the operator, with the tenant, the page it is sent from and,
// from Analytics, the meeting it is about (any element with
// data-support-meeting opens it so).
import { api, tenant } from './console.js';

const $ = (id) => document.getElementById(id);
const dialog = $('support-dialog');
const form = $('support-form');
const sent = $('support-sent');
const submit = form.querySelector('[type=submit]');
const error = form.querySelector('.error');

// roleHint says why a viewer cannot send, and keeps the button off.
function roleHint() {
  const viewer = form.elements.tenant.selectedOptions[0]?.dataset.role === 'viewer';
  $('support-role').hidden = !viewer;
  submit.disabled = viewer;
}

// openSupport shows the form, with the meeting filled in when given.
export function openSupport({ meeting = '' } = {}) {
  form.hidden = false;
  sent.hidden = true;
  error.hidden = true;
  if (tenant) form.elements.tenant.value = tenant;
  form.elements.meeting_id.value = meeting;
  $('support-page').textContent = location.pathname.slice(0, 200);
  roleHint();
  dialog.showModal();
  form.elements.subject.focus();
}

$('support-open').addEventListener('click', () => openSupport());
document.addEventListener('click', (ev) => {
  const el = ev.target.closest?.('[data-support-meeting]');
  if (el) openSupport({ meeting: el.dataset.supportMeeting });
});
form.elements.tenant.addEventListener('change', roleHint);
$('support-cancel').addEventListener('click', () => dialog.close());
$('support-done').addEventListener('click', () => dialog.close());

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  submit.disabled = true;
  const v = Object.fromEntries(new FormData(form));
  try {
    const r = await api('POST', '/tenants/' + encodeURIComponent(v.tenant) + '/support', {
      subject: v.subject, body: v.body, severity: v.severity, meeting_id: v.meeting_id.trim(), page: location.pathname.slice(0, 200),
    });
    form.reset();
    form.hidden = true;
    $('support-sent-id').textContent = r.id;
    $('support-sent-link').href = `/console/t/${encodeURIComponent(r.tenant)}/support#${r.id}`;
    sent.hidden = false;
    document.dispatchEvent(new CustomEvent('support:opened', { detail: r }));
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  } finally {
    roleHint();
  }
});
