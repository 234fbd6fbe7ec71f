// Layout of the meeting's videos: tile view (every tile at 16:9, as large as
// the stage allows, up to 49 a page with paging beyond) and speaker view (one
// large tile and a filmstrip at the side or, on narrow screens, below). The
// server is told which videos are visible and at what height, so it
// forwards the simulcast layer that fits and nothing for hidden tiles.
import { t } from './i18n.js';

export const ASPECT = 16 / 9;
export const MAX_PER_PAGE = 49;
const GAP = 8;
const PAGER = 44; // height kept free for the pager when there are pages

// bestGrid returns the columns, rows and tile size that make n tiles of
// ASPECT as large as possible in a width×height box with gap between them.
export function bestGrid(width, height, n, gap = GAP) {
  let best = { cols: 1, rows: Math.max(1, n), w: 0, h: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    const w = Math.min((width - gap * (cols - 1)) / cols, ((height - gap * (rows - 1)) / rows) * ASPECT);
    if (w > best.w + 0.01) best = { cols, rows, w, h: 0 };
  }
  const h = Math.max(0, Math.floor(best.w / ASPECT));
  return { ...best, h, w: Math.round(h * ASPECT) };
}

// perPage is how many tiles one page shows: at most max, and no more than
// keep each tile at least minWidth wide.
export function perPage(width, height, minWidth, max = MAX_PER_PAGE) {
  for (let n = max; n > 1; n--) if (bestGrid(width, height, n).w >= minWidth) return n;
  return 1;
}

// fitBox is the largest ASPECT box inside width×height.
export function fitBox(width, height) {
  const h = Math.max(0, Math.floor(Math.min(height, width / ASPECT)));
  return { w: Math.round(h * ASPECT), h };
}

const px = (v) => `${Math.max(0, Math.round(v))}px`;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

function size(el, w, h) {
  el.style.width = px(w);
  el.style.height = px(h);
}

// Layout places the tiles of #tiles and #stage inside #main. ctx gives it
// the meeting state, which tile is the big one in speaker view, and the
// connection to send video constraints on.
export class Layout {
  constructor(ctx) {
    this.ctx = ctx;
    this.main = document.getElementById('main');
    this.stage = document.getElementById('stage');
    this.tiles = document.getElementById('tiles');
    this.page = 0;
    this.pages = 1;
    this.sent = '';
    this.timer = 0;
    this.resize = new ResizeObserver(() => this.apply());
    this.resize.observe(this.main);
    this.tiles.addEventListener('scroll', () => this.sendConstraints(), { passive: true });
    document.getElementById('page-prev').onclick = () => this.turn(-1);
    document.getElementById('page-next').onclick = () => this.turn(1);
  }

  turn(delta) {
    this.page = clamp(this.page + delta, 0, this.pages - 1);
    this.apply();
  }

  // order lists the tiles to show: yours first, then everyone in the order
  // they joined, each screen share after its owner's camera; your own
  // camera is left out when you hide your self-view and anyone else is here.
  order() {
    const { state } = this.ctx;
    const ids = [...state.participants.keys()];
    const rank = (el) => {
      const i = el.classList.contains('local') ? -1 : ids.indexOf(el.dataset.id);
      return (i < 0 && !el.classList.contains('local') ? ids.length : i) * 2 + (el.dataset.source === 'screen' ? 1 : 0);
    };
    const all = [...document.querySelectorAll('#tiles .tile, #stage .tile')].sort((a, b) => rank(a) - rank(b));
    const hideSelf = state.hideSelf && all.some((el) => !el.classList.contains('local'));
    for (const el of all) el.classList.toggle('self-hidden', hideSelf && el.classList.contains('local') && el.dataset.source === 'camera');
    return all.filter((el) => !el.classList.contains('self-hidden'));
  }

  // apply lays out every tile for the current view and window size.
  apply() {
    const { state } = this.ctx;
    const list = this.order();
    const big = state.view === 'stage' ? this.ctx.stageTile(list) : null;
    for (const el of this.stage.querySelectorAll('.tile')) if (el !== big) this.tiles.append(el);
    if (big && big.parentElement !== this.stage) this.stage.append(big);
    const meeting = document.getElementById('meeting');
    meeting.classList.toggle('view-stage', !!big);
    meeting.classList.toggle('view-tile', !big);
    this.stage.hidden = !big;
    list.forEach((el, i) => { el.style.order = String(i); });
    if (big) {
      // A hidden filmstrip (followme.js) leaves the big tile alone.
      const rest = state.filmstripHidden ? [] : list.filter((el) => el !== big);
      for (const el of list) if (el !== big && !rest.includes(el)) el.classList.add('off');
      this.speaker(big, rest);
    } else this.grid(list);
    for (const el of document.querySelectorAll('.tile')) {
      el.classList.toggle('dominant', el.dataset.id === state.dominant && el.dataset.source === 'camera');
      const pin = el.querySelector('.pin');
      if (pin) pin.setAttribute('aria-pressed', String(!!state.pinned && state.pinned === el.dataset.id && el.dataset.source === 'camera'));
    }
    // Keep videos playing after being moved in the DOM.
    document.querySelectorAll('.tile video').forEach((v) => { if (v.srcObject && v.paused) v.play().catch(() => {}); });
    this.sendConstraints();
  }

  // grid is tile view: the page's tiles at the largest 16:9 size that fits.
  grid(list) {
    this.main.classList.remove('film-side', 'film-below', 'film-empty', 'film-wrap');
    const W = this.main.clientWidth;
    let H = this.main.clientHeight;
    const minWidth = W < 600 || H < 400 ? 96 : 160;
    let per = perPage(W, H, minWidth);
    if (list.length > per) {
      H -= PAGER;
      per = perPage(W, H, minWidth);
    }
    this.pages = Math.max(1, Math.ceil(list.length / per));
    this.page = clamp(this.page, 0, this.pages - 1);
    const shown = list.slice(this.page * per, (this.page + 1) * per);
    const g = bestGrid(W, H, shown.length);
    for (const el of list) {
      const on = shown.includes(el);
      el.classList.toggle('off', !on);
      if (on) size(el, g.w, g.h);
    }
    this.tiles.style.width = px(g.cols * g.w + (g.cols - 1) * GAP);
    this.tiles.style.height = px(g.rows * g.h + (g.rows - 1) * GAP);
    this.tiles.style.marginBottom = this.pages > 1 ? px(PAGER) : '';
    this.pager(list.length, per);
  }

  pager(total, per) {
    const el = document.getElementById('pager');
    el.hidden = this.pages <= 1;
    document.getElementById('page-text').textContent = t('pager.text', { page: this.page + 1, pages: this.pages, total, per });
    document.getElementById('page-prev').disabled = this.page === 0;
    document.getElementById('page-next').disabled = this.page >= this.pages - 1;
  }

  // speaker is speaker view: the big tile as large as the stage allows and
  // the others in a scrolling filmstrip, beside it or (narrow) below it.
  speaker(big, rest) {
    const W = this.main.clientWidth;
    const H = this.main.clientHeight;
    const below = W < 700 || W < H;
    const main = this.main;
    main.classList.toggle('film-below', below);
    main.classList.toggle('film-side', !below);
    main.classList.toggle('film-empty', rest.length === 0);
    const portrait = below && W < H && rest.length > 0;
    main.classList.toggle('film-wrap', portrait);
    let area;
    if (portrait) {
      // A phone held upright: the big tile across the top, the others in a
      // scrolling grid of two or three columns below it.
      const box = fitBox(W, Math.round(H * 0.5));
      const cols = W >= 560 ? 3 : 2;
      const tw = Math.floor((W - GAP * (cols - 1)) / cols);
      for (const el of rest) size(el, tw, tw / ASPECT);
      this.tiles.style.width = px(W);
      this.tiles.style.height = px(H - box.h - GAP);
      area = { w: W, h: box.h };
    } else if (below) {
      const th = rest.length ? clamp(Math.round(H * 0.16), 64, 120) : 0;
      for (const el of rest) size(el, th * ASPECT, th);
      this.tiles.style.width = px(W);
      this.tiles.style.height = px(th);
      area = { w: W, h: H - (rest.length ? th + GAP : 0) };
    } else {
      const tw = rest.length ? clamp(Math.round(W * 0.16), 120, 280) : 0;
      for (const el of rest) size(el, tw, tw / ASPECT);
      this.tiles.style.width = px(tw);
      this.tiles.style.height = px(H);
      area = { w: W - (rest.length ? tw + GAP : 0), h: H };
    }
    for (const el of [big, ...rest]) el.classList.remove('off');
    this.tiles.style.marginBottom = '';
    const box = big.dataset.source === 'screen' ? area : fitBox(area.w, area.h);
    size(big, box.w, box.h);
    this.pages = 1;
    document.getElementById('pager').hidden = true;
  }

  // visible reports whether a tile is on screen: laid out, on this page and
  // not scrolled out of the filmstrip.
  visible(el) {
    if (el.offsetParent === null || el.classList.contains('off') || el.classList.contains('self-hidden')) return false;
    if (el.parentElement !== this.tiles) return true;
    const r = el.getBoundingClientRect();
    const box = this.tiles.getBoundingClientRect();
    return r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom;
  }

  // sendConstraints tells the server how tall each remote video is shown,
  // in device pixels (0 = not visible), so it sends the layer that fits.
  sendConstraints() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const { state } = this.ctx;
      const c = {};
      for (const el of document.querySelectorAll('.tile[data-track-id]')) {
        const on = this.visible(el) && !el.querySelector('video').hidden;
        const h = Math.round(el.getBoundingClientRect().height * (window.devicePixelRatio || 1));
        c[el.dataset.trackId] = on ? (state.maxHeight > 0 ? Math.min(h, state.maxHeight) : h) : 0;
      }
      const s = JSON.stringify(c);
      state.constraints = c;
      if (s !== this.sent && state.joined) { this.sent = s; state.conn.send({ type: 'video', constraints: c }); }
    }, 250);
  }

  // reset forgets what was sent (a new connection knows nothing yet).
  reset() { this.sent = ''; }
}
