import { api, data, fill, h, showError } from './console.js';

const box = document.getElementById('invitation');
const here = location.pathname;

async function load() {
  let inv;
  try {
    inv = await api('GET', '/invitations/' + encodeURIComponent(data.token));
  } catch (e) {
    fill(box, h('p', { class: 'error' }, e.message), h('p', { class: 'hint' }, 'Ask whoever invited you for a new link.'));
    return;
  }
  let me = null;
  try { me = await api('GET', '/me', undefined, { signedOut: true }); } catch { /* not signed in */ }
  const what = h('p', {}, 'You are invited to join ', h('strong', {}, inv.tenant_name), ' as ', h('strong', {}, inv.role), '.');
  const who = h('p', { class: 'hint' }, 'The invitation is for ', inv.email, '.');
  if (!me) {
    const q = new URLSearchParams({ invitation: data.token, email: inv.email });
    fill(box, what, who,
      h('a', { class: 'btn primary', href: '/console/signup?' + q }, 'Create an account to accept'),
      h('p', { class: 'hint' }, 'Have an account with ', inv.email, '? ',
        h('a', { href: '/console/login?next=' + encodeURIComponent(here) }, 'Sign in'), ' and come back to this link.'));
    return;
  }
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const accept = h('button', { class: 'btn primary', type: 'button', onclick: async () => {
    accept.disabled = true;
    try {
      const m = await api('POST', '/invitations/' + encodeURIComponent(data.token) + '/accept');
      location.assign(`/console/t/${m.tenant}/start`);
    } catch (e) {
      showError(box, e);
      accept.disabled = false;
    }
  } }, 'Accept invitation');
  fill(box, what, who, h('p', { class: 'hint' }, 'You are signed in as ', me.user.email, '.'), err, accept);
}
load();
