// Breakout rooms: moderators add, rename, close and remove rooms, assign
// everyone evenly and move people between rooms; anyone joins a room and
// leaves it back to the main room. The meeting on the server keeps the
// rooms (internal/room/breakout.go) and sends the list as breakoutRooms;
// a participant it moves gets moved, then joined for the new room, whose
// media the page connects without a reload (conn.js switchRooms).
import { icon } from './icons.js';
import { t, mark, tr, onLanguage } from './i18n.js';

const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
};

// Breakout keeps the meeting's rooms and renders the panel, the menu item
// and the "you are in" bar. deps: state, send(msg), toast(text),
// announce(text), emit(name, data) (the IFrame API's events), toggle()
// (opens or closes the panel), leaveMedia() (drops the room's media before
// the move), and the panel's container, the overflow menu and the topbar.
export class Breakout {
  constructor(deps) {
    this.deps = deps;
    this.rooms = []; // the server's list: the main room first
    this.build(deps);
    onLanguage(() => this.render());
  }

  build({ container, menu, topbar }) {
    this.panel = el('aside', { id: 'breakout', className: 'panel breakout', hidden: true });
    mark(this.panel, { label: 'breakout.title' });
    const close = el('button', { className: 'close', type: 'button', textContent: '×' });
    close.dataset.close = 'breakout';
    mark(close, { label: 'breakout.closePanel' });
    close.onclick = () => this.deps.toggle();
    this.add = mark(el('button', { id: 'br-add', className: 'btn primary', type: 'button' }), { text: 'breakout.add' });
    this.add.onclick = () => this.deps.send({ type: 'breakout', action: 'add', roomName: '' });
    this.auto = mark(el('button', { id: 'br-auto', className: 'btn', type: 'button' }), { text: 'breakout.autoAssign' });
    this.auto.onclick = () => this.autoAssign();
    this.tools = el('div', { className: 'row br-tools' }, this.add, this.auto);
    this.list = el('ul', { id: 'br-list', className: 'br-list' });
    this.panel.append(el('header', {}, mark(el('h2'), { text: 'breakout.title' }), close), this.tools, this.list);
    container.append(this.panel);

    const item = el('button', { id: 'om-breakout', type: 'button' },
      el('span', { className: 'ic', innerHTML: icon('rooms') }), mark(el('span', { className: 'txt' }), { text: 'breakout.button' }));
    item.setAttribute('role', 'menuitem');
    item.onclick = () => { document.getElementById('tb-more').click(); this.deps.toggle(); };
    menu.append(item);

    this.where = el('span', { id: 'br-where', className: 'br-where', hidden: true });
    this.whereText = el('span');
    this.leaveBtn = mark(el('button', { id: 'br-leave', className: 'btn', type: 'button' }), { text: 'breakout.leave' });
    this.leaveBtn.onclick = () => this.join('');
    this.where.append(el('span', { className: 'ic', innerHTML: icon('rooms') }), this.whereText, this.leaveBtn);
    topbar.querySelector('#status').before(this.where);
  }

  // mainId is the main room's id (the meeting's id).
  get mainId() { return this.rooms[0]?.id || this.deps.state.room?.mainMeetingId || this.deps.state.room?.meetingId || ''; }

  // current is the id of the breakout room this participant is in; "" main.
  get current() { return this.deps.state.room?.breakoutId || ''; }

  // roomId turns an IFrame API room id or jid into a breakout room's id,
  // "" for the main room.
  roomId(idOrJid) {
    const s = String(idOrJid || '');
    if (s.includes('@conference.')) return '';
    const id = s.split('@')[0];
    return id === this.mainId ? '' : id;
  }

  // update takes a breakoutRooms message's rooms.
  update(rooms) {
    this.rooms = Array.isArray(rooms) ? rooms : [];
    this.render();
    this.deps.emit('breakout-rooms-updated', { rooms: this.listRooms() });
  }

  // moved follows the server's move: the room's media is dropped, joined
  // brings the new room's.
  moved(msg) {
    this.deps.leaveMedia();
    this.deps.emit('video-conference-left', { roomName: this.deps.state.room?.breakoutName || this.deps.state.room?.name || '' });
    const text = msg.roomId ? t('breakout.movedTo', { name: msg.name }) : t('breakout.movedBack');
    this.deps.toast(text);
    this.deps.announce(text);
  }

  // joined renders the bar for the room the joined message entered.
  joined() { this.render(); }

  // Commands (the panel's buttons and the IFrame API's).
  addRoom(name) { this.deps.send({ type: 'breakout', action: 'add', roomName: String(name || '') }); }
  autoAssign() { this.deps.send({ type: 'breakout', action: 'autoAssign' }); }
  close(roomId) { this.deps.send({ type: 'breakout', action: 'close', roomId: this.roomId(roomId) }); }
  remove(roomIdOrJid) { this.deps.send({ type: 'breakout', action: 'remove', roomId: this.roomId(roomIdOrJid) }); }
  rename(roomId, name) { this.deps.send({ type: 'breakout', action: 'rename', roomId: this.roomId(roomId), roomName: String(name || '') }); }
  join(roomId) { this.deps.send({ type: 'breakout', action: 'join', roomId: this.roomId(roomId) }); }
  sendTo(participantId, roomId) { this.deps.send({ type: 'breakout', action: 'send', target: String(participantId || ''), roomId: this.roomId(roomId) }); }

  // listRooms is the rooms as Jitsi's IFrame API gives them (listBreakoutRooms,
  // breakoutRoomsUpdated): an object by room id of {id, jid, name,
  // isMainRoom, participants} with participants by jid.
  listRooms() {
    const out = {};
    for (const r of this.rooms) {
      const jid = this.jid(r);
      const participants = {};
      for (const p of r.participants || []) {
        const pj = `${jid}/${p.id}`;
        participants[pj] = { id: p.id, jid: pj, role: p.role, displayName: p.displayName };
      }
      out[r.id] = { id: r.id, jid, name: r.name, isMainRoom: !!r.isMainRoom, participants };
    }
    return out;
  }

  // roomsInfo is getRoomsInfo's rooms (every room of the meeting, as
  // Jitsi's IFrame API gives them), or null without breakout rooms.
  roomsInfo() {
    if (this.rooms.length < 2) return null;
    return this.rooms.map((r) => {
      const jid = this.jid(r);
      return { isMainRoom: !!r.isMainRoom, id: r.id, jid,
        participants: (r.participants || []).map((p) => ({ id: p.id, jid: `${jid}/${p.id}`, role: p.role, displayName: p.displayName })) };
    });
  }

  jid(r) { return r.isMainRoom ? `${r.name}@conference.${location.host}` : `${r.id}@breakout.${location.host}`; }

  render() {
    const { state } = this.deps;
    const mod = !!state.moderator;
    const rooms = this.rooms.length > 1 ? this.rooms : [];
    this.add.hidden = !mod;
    this.auto.hidden = !mod || !rooms.length;
    this.tools.hidden = !mod;
    const here = this.current;
    this.where.hidden = !here;
    if (here) tr(this.whereText, 'breakout.youAreIn', { name: state.room?.breakoutName || '' });
    const items = rooms.map((r) => this.renderRoom(r, rooms, mod, here));
    this.list.replaceChildren(...(items.length ? items : [mark(el('li', { className: 'hint' }), { text: 'breakout.none' })]));
  }

  renderRoom(r, rooms, mod, here) {
    const id = r.isMainRoom ? '' : r.id;
    const name = r.isMainRoom ? t('breakout.mainRoom') : r.name;
    const li = el('li', { className: 'br-room' + (id === here ? ' current' : '') });
    li.dataset.roomId = id;
    const head = el('div', { className: 'row' }, el('h3', { textContent: `${name} (${(r.participants || []).length})` }));
    if (id !== here) head.append(this.button('breakout.join', 'breakout.joinRoom', name, () => this.join(id), 'join'));
    if (mod && id) {
      head.append(
        this.button('breakout.rename', 'breakout.renameRoom', name, () => {
          const n = prompt(t('breakout.renamePrompt', { name }), r.name);
          if (n && n.trim()) this.rename(id, n.trim());
        }, 'rename'),
        this.button('breakout.closeRoom', 'breakout.closeRoomLabel', name, () => this.close(id), 'close'),
        this.button('breakout.remove', 'breakout.removeRoom', name, () => this.remove(id), 'remove'));
    }
    const people = el('ul', { className: 'br-people' });
    for (const p of r.participants || []) {
      const row = el('li', {}, el('span', { className: 'name', textContent: p.displayName }));
      row.dataset.id = p.id;
      if (mod) row.append(this.moveSelect(p, id, rooms));
      people.append(row);
    }
    if (!people.children.length) people.append(el('li', { className: 'hint', textContent: t('breakout.empty') }));
    li.append(head, people);
    return li;
  }

  button(textKey, labelKey, name, onclick, action) {
    const b = el('button', { className: 'btn', type: 'button', textContent: t(textKey) });
    b.setAttribute('aria-label', t(labelKey, { name }));
    b.dataset.action = action;
    b.onclick = onclick;
    return b;
  }

  // moveSelect is a participant's "move to" list for moderators.
  moveSelect(p, at, rooms) {
    const s = el('select', { className: 'br-move' });
    s.setAttribute('aria-label', t('breakout.moveTo', { name: p.displayName }));
    s.add(new Option(t('breakout.moveChoose'), '', true, true));
    for (const r of rooms) {
      const id = r.isMainRoom ? '' : r.id;
      if (id !== at) s.add(new Option(r.isMainRoom ? t('breakout.mainRoom') : r.name, r.id));
    }
    s.onchange = () => { if (s.value) this.sendTo(p.id, s.value); };
    return s;
  }
}
