import { api, onSubmit, toast } from './console.js';

onSubmit(document.getElementById('password'), async (v, form) => {
  await api('PUT', '/me/password', { current: v.current, new: v.new });
  form.reset();
  toast('Password changed; your other sessions are signed out');
});
