// The meeting page's handlers: toolbar buttons, panels, dialogs, forms,
// settings and the keyboard, each wired to what app.js does.
import { t, setLanguage } from './i18n.js';
import { sendFeedback } from './screens.js';

const $ = (id) => document.getElementById(id);

// wire sets the page's handlers. m has state, params, app (api.js's
// meetingApp), controls, popover and app.js's join, renderToolbar,
// showInvite, switchDevice and toggleSelfView.
export function wire(m) {
  const { state, params, app } = m;
  const { moderate, toast, togglePanel } = app;
  $('tb-mic').onclick = () => app.toggleAudio();
  $('tb-cam').onclick = () => app.toggleVideo();
  $('tb-screen').onclick = () => app.toggleScreen();
  $('tb-hand').onclick = () => { state.hand = !state.hand; state.conn.send({ type: 'hand', raised: state.hand }); m.renderToolbar(); };
  $('tb-chat').onclick = () => togglePanel('chat');
  $('tb-people').onclick = () => togglePanel('people');
  $('tb-settings').onclick = () => togglePanel('settings');
  $('tb-view').onclick = () => app.setView(state.view === 'tile' ? 'stage' : 'tile');
  $('tb-leave').onclick = () => app.leave();
  $('om-record').onclick = () => { m.controls.closeMenu(false); app.toggleRecording(); };
  $('om-stream').onclick = () => { m.controls.closeMenu(false); app.stopRecording('stream'); };
  $('tb-invite').onclick = () => m.showInvite();
  $('invite-close').onclick = () => { $('invite-dialog').hidden = true; };
  $('invite-copy').onclick = async () => {
    try { await navigator.clipboard.writeText($('invite-link').value); toast(t('invite.copied')); } catch { $('invite-link').select(); }
  };
  $('lobby-leave').onclick = () => app.leave();
  for (const b of document.querySelectorAll('[data-close]')) b.onclick = () => togglePanel(b.dataset.close);
  $('chat-form').onsubmit = (e) => {
    e.preventDefault();
    const text = $('chat-input').value.trim();
    if (!text) return;
    state.conn.send({ type: 'chat', text, to: $('chat-to').value });
    $('chat-input').value = '';
  };
  $('password-form').onsubmit = (e) => { e.preventDefault(); state.password = $('password-input').value; m.join(); };
  $('set-lobby').onchange = (e) => moderate('lobby', '', { enabled: e.target.checked });
  $('set-password-form').onsubmit = (e) => { e.preventDefault(); moderate('password', '', { password: $('set-password').value }); toast(t($('set-password').value ? 'toast.passwordSet' : 'toast.passwordRemoved')); };
  $('set-mute-all').onclick = () => moderate('muteAll', '', { kind: 'audio' });
  $('set-end').onclick = () => { if (confirm(t('settings.endConfirm'))) moderate('end'); };
  $('set-mic').onchange = (e) => m.switchDevice('audio', e.target.value);
  $('set-cam').onchange = (e) => m.switchDevice('video', e.target.value);
  $('ended-rejoin').onclick = () => location.reload();
  $('feedback-form').onsubmit = (e) => { e.preventDefault(); sendFeedback(params, state.room?.meetingId); };
  $('refused-retry').onclick = () => location.reload();
  $('set-selfview').onchange = () => m.toggleSelfView();
  $('set-lang').onchange = (e) => setLanguage(e.target.value, { remember: true });
  document.addEventListener('keydown', (e) => {
    if (m.controls.key(e)) { e.preventDefault(); return; }
    if (e.key === 'Escape' && !m.popover.el.hidden) m.popover.close();
  });
  window.addEventListener('beforeunload', () => { if (state.joined) state.conn.close(); });
}
