import { api, onSubmit } from './console.js';

const form = document.getElementById('signup');
const params = new URLSearchParams(location.search);
if (params.get('invitation')) form.elements.invitation.value = params.get('invitation');
if (params.get('email')) form.elements.email.value = params.get('email');

onSubmit(form, async (v) => {
  const body = { email: v.email, name: v.name, password: v.password };
  if (v.invitation) body.invitation = v.invitation;
  const me = await api('POST', '/auth/signup', body);
  location.assign(me.tenants.length ? `/console/t/${me.tenants[0].tenant}/start` : '/console/tenants');
});
