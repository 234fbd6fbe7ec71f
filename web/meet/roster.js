// The side panels' content: chat messages, the participants list with its
// moderation buttons, and the lobby's knocking participants.
import { announce } from './controls.js';

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
  if (priv) li.className = 'private';
  const from = document.createElement('span');
  from.className = 'from';
  const to = priv ? (isSelf(message.from) ? ` → ${state.participants.get(message.to)?.name || 'them'}` : ' (private)') : '';
  from.textContent = `${isSelf(message.from) ? 'You' : message.fromName}${to} · ${new Date(message.time).toLocaleTimeString()}`;
  li.append(from, document.createTextNode(message.text));
  $('chat-log').append(li);
  li.scrollIntoView({ block: 'end' });
  if (!isSelf(message.from)) announce(`${priv ? 'Private message' : 'Message'} from ${message.fromName}: ${message.text}`);
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
  $('people-count').textContent = state.participants.size;
  const to = $('chat-to');
  const selected = to.value;
  to.replaceChildren(new Option('Everyone', ''));
  for (const p of state.participants.values()) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = `${p.name}${isSelf(p.id) ? ' (you)' : ''}${p.role === 'moderator' ? ' · moderator' : ''}${p.handRaised ? ` · hand raised (${hands().indexOf(p.id) + 1})` : ''}${p.audioMuted ? ' · muted' : ''}`;
    li.append(name);
    if (state.moderator && !isSelf(p.id)) {
      li.append(
        button('Mute', () => moderate('mute', p.id, { kind: 'audio' }), 'mute'),
        button('Stop video', () => moderate('mute', p.id, { kind: 'video' }), 'mute-video'),
        ...(p.role !== 'moderator' ? [button('Make moderator', () => moderate('grantModerator', p.id), 'grant')] : []),
        button('Remove', () => { if (confirm(`Remove ${p.name} from the meeting?`)) moderate('kick', p.id); }, 'kick'),
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
    name.textContent = `${p.name} wants to join`;
    row.append(name, button('Admit', () => moderate('admit', p.id), 'admit'), button('Deny', () => moderate('deny', p.id), 'deny'));
    box.append(row);
  }
  const first = state.knocks.values().next().value;
  $('knock-dialog').hidden = !first || !state.moderator;
  if (first) {
    $('knock-text').textContent = state.knocks.size > 1 ? `${first.name} and ${state.knocks.size - 1} more want to join` : `${first.name} wants to join`;
    $('knock-admit').onclick = () => moderate('admit', first.id);
    $('knock-deny').onclick = () => moderate('deny', first.id);
  }
}
