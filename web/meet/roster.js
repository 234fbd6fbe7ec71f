// The side panels' content: chat messages, the participants list with its
// moderation buttons, and the lobby's knocking participants.
import { announce } from './controls.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// chatLine shows a chat message, tells an embedding page and screen
// readers, and counts it as unread while the chat is closed.
export function chatLine({ state, isSelf, emit }, { message, private: priv }) {
  if (isSelf(message.from)) {
    emit('outgoing-message', { message: message.text, privateMessage: !!priv });
  } else {
    emit('incoming-message', { from: message.from, nick: message.fromName, message: message.text, privateMessage: !!priv, stamp: message.time });
  }
  const li = document.createElement('li');
  li.className = `${priv ? 'private ' : ''}${isSelf(message.from) ? 'mine' : 'theirs'}`;
  const from = document.createElement('span');
  from.className = 'from';
  const to = priv ? (isSelf(message.from) ? ` → ${state.participants.get(message.to)?.name || t('chat.them')}` : ` ${t('chat.private')}`) : '';
  from.textContent = `${isSelf(message.from) ? t('chat.you') : message.fromName}${to} · ${new Date(message.time).toLocaleTimeString(document.documentElement.lang)}`;
  li.append(from, document.createTextNode(message.text));
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
  if (!isSelf(message.from)) announce(t(priv ? 'chat.announcePrivate' : 'chat.announce', { name: message.fromName, text: message.text }));
  if ($('chat').hidden && !isSelf(message.from)) {
    state.unread++;
    $('chat-badge').textContent = state.unread;
    $('chat-badge').hidden = false;
  }
}

// renderRoster lists the participants (with moderation buttons for a
// moderator) and fills the chat's recipient list.
export function renderRoster({ state, isSelf, moderate, hands }) {
  const list = $('people-list');
  list.replaceChildren();
  $('people-count').dataset.n = state.participants.size; // drawn by CSS: the button's name says the count
  const to = $('chat-to');
  const selected = to.value;
  to.replaceChildren(new Option(t('chat.everyone'), ''));
  for (const p of state.participants.values()) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = [`${p.name}${isSelf(p.id) ? ` ${t('people.you')}` : ''}`, p.role === 'moderator' && t('people.moderator'),
      p.handRaised && t('people.hand', { n: hands().indexOf(p.id) + 1 }), p.audioMuted && t('people.muted')].filter(Boolean).join(' · ');
    li.append(name);
    if (state.moderator && !isSelf(p.id)) {
      li.append(
        button(t('people.mute'), () => moderate('mute', p.id, { kind: 'audio' }), 'mute'),
        button(t('people.stopVideo'), () => moderate('mute', p.id, { kind: 'video' }), 'mute-video'),
        ...(p.role !== 'moderator' ? [button(t('people.makeModerator'), () => moderate('grantModerator', p.id), 'grant')] : []),
        button(t('people.remove'), () => { if (confirm(t('people.removeConfirm', { name: p.name }))) moderate('kick', p.id); }, 'kick'),
      );
    }
    list.append(li);
    if (!isSelf(p.id)) to.add(new Option(p.name, p.id, false, p.id === selected));
  }
}

function button(text, onclick, action) {
  const b = document.createElement('button');
  b.className = 'btn';
  b.textContent = text;
  b.dataset.action = action;
  b.onclick = onclick;
  return b;
}

// renderKnockList shows who waits in the lobby, and the knock dialog.
export function renderKnockList({ state, moderate }) {
  const box = $('knocks');
  box.replaceChildren();
  for (const p of state.knocks.values()) {
    const row = document.createElement('div');
    const name = document.createElement('span');
    name.textContent = t('knock.one', { name: p.name });
    row.append(name, button(t('knock.admit'), () => moderate('admit', p.id), 'admit'), button(t('knock.deny'), () => moderate('deny', p.id), 'deny'));
    box.append(row);
  }
  const first = state.knocks.values().next().value;
  $('knock-dialog').hidden = !first || !state.moderator;
  if (first) {
    $('knock-text').textContent = state.knocks.size > 1 ? t('knock.more', { name: first.name, n: state.knocks.size - 1 }) : t('knock.one', { name: first.name });
    $('knock-admit').onclick = () => moderate('admit', first.id);
    $('knock-deny').onclick = () => moderate('deny', first.id);
  }
}
