import { slackDateText, slackPlain, slackRuns, slackToken } from './slack-text.js';

/**
 * The sandbox page's script: a small Slack client. It builds every node with textContent (never
 * innerHTML), so nothing a message carries can run or format here. Slack's text rules come from
 * slack-text.ts, shipped by their source so the page and the unit tests run the same code.
 */
export const SANDBOX_SCRIPT = [slackRuns, slackPlain, slackToken, slackDateText]
  .map((fn) => fn.toString())
  .concat(
    String.raw`
const state = { revision: -1, data: null, channel: null, view: 'channel', openThreads: new Set(), openMenu: null,
  opener: null, modal: null, seen: null, rendering: false };
const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'for') e.setAttribute(k, String(v));
    else e[k] = v;
  }
  for (const c of children) if (c != null && c !== false) e.append(c);
  return e;
}
const me = () => $('user').value;
const dm = () => 'D' + me();
const names = () => ({ channels: state.data?.names?.channels ?? {}, groups: state.data?.names?.groups ?? {}, people: state.data?.people ?? {} });
const clock = () => ({ now: Date.now() });
const channelName = (id) => state.data?.names?.channels?.[id] ?? id;
const timeOf = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
const tsMs = (ts) => Math.round(Number(ts) * 1000);

/** mrkdwn as styled nodes: quotes, bold, italic, code, mentions and safe links. */
function rich(mrkdwn) {
  const out = el('span');
  const lines = String(mrkdwn ?? '').split('\n');
  lines.forEach((line, i) => {
    const quoted = /^>\s?/.exec(line);
    const node = quoted ? el('span', { className: 'quote' }) : out;
    inline(line.slice(quoted ? quoted[0].length : 0), node);
    if (quoted) out.append(node);
    if (i < lines.length - 1 && !quoted) out.append('\n');
  });
  return out;
}

function inline(mrkdwn, out) {
  for (const run of slackRuns(mrkdwn, names(), clock())) {
    const tag = { bold: 'strong', italic: 'em', strike: 's', code: 'code' }[run.style] ?? 'span';
    let node = el(tag, { className: run.style === 'mention' ? 'mention' : '', textContent: run.text });
    const href = run.href ?? '';
    if (/^https?:\/\//.test(href)) node = el('a', { href, target: '_blank', rel: 'noopener noreferrer', textContent: run.text });
    else if (href.startsWith('/sandbox#')) node = el('a', { href: href.slice('/sandbox'.length), textContent: run.text });
    out.append(node);
  }
}
const textOf = (t) => (!t ? null : t.type === 'plain_text' ? document.createTextNode(t.text ?? '') : rich(t.text));
const plainOf = (mrkdwn) => slackPlain(String(mrkdwn ?? ''), names(), clock());

function act(body) {
  return fetch('/sandbox/act', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: me(), ...body }) })
    .then((r) => r.json()).finally(() => refresh());
}

function click(where, actionId, value, overflow) {
  const inMessage = where.channel ? { channel: where.channel, ts: where.ts } : {};
  return act({ type: 'click', actionId, value: value ?? '', ...(overflow && { overflow: true }), ...inMessage,
    ...(where.blockId && { blockId: where.blockId }), ...(where.ephemeral && { ephemeral: where.ephemeral }) });
}

function renderBlocks(blocks, where) {
  const out = el('div', { className: 'blocks' });
  (blocks ?? []).forEach((b, i) => {
    if (b.type === 'header') out.append(el('div', { className: 'block-header' }, textOf(b.text)));
    else if (b.type === 'section') {
      out.append(el('div', { className: 'section' },
        b.text && el('div', { className: 'text' }, textOf(b.text)),
        b.fields && el('div', { className: 'fields' }, ...b.fields.map((f) => el('div', { className: 'text' }, textOf(f)))),
        b.accessory && renderActions([b.accessory], { ...where, blockId: b.block_id }, i)));
    } else if (b.type === 'context') out.append(el('div', { className: 'context' }, ...(b.elements ?? []).map((e) => el('span', {}, textOf(e), ' '))));
    else if (b.type === 'divider') out.append(el('hr'));
    else if (b.type === 'actions') out.append(renderActions(b.elements ?? [], { ...where, blockId: b.block_id }, i));
  });
  return out;
}

function renderActions(elements, where, blockIndex) {
  const bar = el('div', { className: 'actions' });
  elements.forEach((e, j) => {
    const key = where.key + ':' + blockIndex + ':' + j;
    if (e.type === 'button') {
      const style = e.style === 'primary' ? ' primary' : e.style === 'danger' ? ' danger' : '';
      bar.append(el('button', { type: 'button', className: 'btn' + style, 'data-key': key, textContent: e.text?.text ?? '',
        onclick: async () => { state.opener = key; if (await confirmed(e.confirm)) click(where, e.action_id, e.value); } }));
    } else if (e.type === 'overflow') bar.append(renderMenu(e, where, key));
  });
  return bar;
}

function sender(ms, extra) {
  const at = new Date(ms);
  return el('div', { className: 'sender' }, el('strong', { textContent: state.data?.names?.bot ?? 'Cartwatch' }),
    el('span', { className: 'app-badge', textContent: 'APP' }),
    el('time', { dateTime: at.toISOString(), title: at.toLocaleString(), textContent: timeOf(ms) }), extra);
}

function renderMessage(m, replies) {
  const key = 'm:' + m.channel + ':' + m.ts;
  const label = plainOf(m.text).split('\n')[0].slice(0, 80);
  const where = { key, channel: m.channel, ts: m.ts, label };
  const box = el('article', { className: 'message', 'data-ts': m.ts, 'aria-label': label },
    sender(tsMs(m.ts), m.edited && el('span', { className: 'edited', textContent: '(edited)' })),
    m.blocks?.length ? renderBlocks(m.blocks, where) : el('div', { className: 'text' }, rich(m.text)));
  if (replies.length) box.append(renderThread(key, replies));
  return box;
}

/** Replies folded behind "N replies", as Slack shows a thread in the channel. */
function renderThread(key, replies) {
  const open = state.openThreads.has(key);
  const count = replies.length + (replies.length === 1 ? ' reply' : ' replies');
  const last = replies[replies.length - 1];
  const toggle = el('button', { type: 'button', className: 'replies', 'data-key': key + ':replies', 'aria-expanded': String(open),
    textContent: count, onclick: () => { if (open) state.openThreads.delete(key); else state.openThreads.add(key); render(); } });
  const summary = el('div', { className: 'thread-summary' }, toggle, el('span', { className: 'muted', textContent: '  Last reply ' + timeOf(tsMs(last.ts)) }));
  if (!open) return summary;
  return el('div', {}, summary, el('div', { className: 'thread', role: 'list', 'aria-label': 'Thread' },
    ...replies.map((r) => el('div', { className: 'reply', role: 'listitem' }, sender(tsMs(r.ts)),
      r.blocks?.length ? renderBlocks(r.blocks, { key: key + ':' + r.ts, channel: r.channel, ts: r.ts }) : el('div', { className: 'text' }, rich(r.text))))));
}

function renderEphemeral(e) {
  const key = 'e:' + e.id;
  const where = { key, channel: e.channel, ts: e.id, ephemeral: e.id, label: plainOf(e.text).slice(0, 80) };
  return el('article', { className: 'message ephemeral', 'data-ephemeral': e.id, 'aria-label': 'Only visible to you: ' + where.label },
    sender(e.at, el('span', { className: 'only-you', textContent: 'Only visible to you' })),
    e.blocks?.length ? renderBlocks(e.blocks, where) : el('div', { className: 'text' }, rich(e.text)));
}

/** Channel messages and my replies in time order; replies to me are kept apart in Home. */
function channelItems(d, channel) {
  const roots = d.messages.filter((m) => m.channel === channel && !m.threadTs)
    .map((m) => ({ at: tsMs(m.ts), node: () => renderMessage(m, d.messages.filter((r) => r.threadTs === m.ts && r.channel === m.channel)) }));
  const mine = d.ephemerals.filter((e) => e.user === me() && e.channel === channel).map((e) => ({ at: e.at, node: () => renderEphemeral(e) }));
  return [...roots, ...mine].sort((a, b) => a.at - b.at).map((item) => item.node());
}

function render() {
  const d = state.data; if (!d) return;
  const user = $('user');
  if (!user.options.length) for (const [id, name] of Object.entries(d.people)) user.append(el('option', { value: id, textContent: name }));
  state.channel ??= d.channels[0];
  const focused = document.activeElement?.closest('nav, #messages') ? document.activeElement.dataset.key : undefined;
  const list = $('messages');
  const wasAtBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const place = state.view + ':' + state.channel;
  const moved = state.place !== place; state.place = place;
  state.rendering = true;
  $('channels').replaceChildren(...d.channels.map((c) => el('button', { type: 'button', 'data-key': 'channel:' + c, textContent: '# ' + channelName(c),
    'aria-current': state.view === 'channel' && c === state.channel ? 'page' : undefined, onclick: () => go({ view: 'channel', channel: c }) })));
  $('home-tab').setAttribute('aria-current', state.view === 'home' ? 'page' : 'false');
  if (state.view === 'home') {
    $('title').textContent = 'Home';
    const home = d.homes[me()];
    const replies = d.ephemerals.filter((e) => e.user === me() && e.channel === dm()).map(renderEphemeral);
    list.replaceChildren(home ? renderBlocks(home.blocks, { key: 'home' }) : el('p', { textContent: 'Opening Home…' }),
      replies.length ? el('h2', { className: 'muted', textContent: 'Messages' }) : null, ...replies);
  } else {
    $('title').textContent = '# ' + channelName(state.channel);
    list.replaceChildren(...channelItems(d, state.channel));
  }
  state.rendering = false;
  if (focused) document.querySelector('[data-key="' + CSS.escape(focused) + '"]')?.focus({ preventScroll: true });
  if (moved || wasAtBottom) list.scrollTop = list.scrollHeight;
  showNewReplies(d);
  renderModal(d.modals.find((m) => m.user === me()));
}

/** A reply to me lands where I am (scrolled into view) or, elsewhere, is announced with a way there. */
function showNewReplies(d) {
  const mine = d.ephemerals.filter((e) => e.user === me());
  const fresh = state.seen === null ? [] : mine.filter((e) => !state.seen.has(e.id));
  state.seen = new Set(mine.map((e) => e.id));
  for (const e of fresh) {
    const here = state.view === 'home' ? e.channel === dm() : e.channel === state.channel;
    if (here) {
      const box = document.querySelector('[data-ephemeral="' + CSS.escape(e.id) + '"]');
      box?.classList.add('fresh');
      box?.scrollIntoView({ block: 'nearest' });
    } else toast('Cartwatch replied in #' + channelName(e.channel) + ' (only visible to you)', () => go({ view: 'channel', channel: e.channel, reply: e.id }));
  }
}

function toast(message, show) {
  const box = $('toast');
  $('toast-text').textContent = message;
  $('toast-show').onclick = () => { box.hidden = true; show(); };
  box.hidden = false;
}

function go(to) {
  state.view = to.view;
  if (to.channel) state.channel = to.channel;
  document.body.classList.remove('nav-open');
  $('nav-toggle').setAttribute('aria-expanded', 'false');
  if (to.view === 'home') act({ type: 'home' });
  render();
  const target = to.reply ? '[data-ephemeral="' + CSS.escape(to.reply) + '"]' : to.ts ? '[data-ts="' + CSS.escape(to.ts) + '"]' : null;
  const found = target && document.querySelector(target);
  if (found) { found.classList.add('fresh'); found.scrollIntoView({ block: 'center' }); }
}

$('send').onclick = () => {
  const text = $('command').value.replace(/^\/cart-status\s*/, '');
  act({ type: 'command', channel: state.view === 'home' ? dm() : state.channel, text });
};
$('command').onkeydown = (e) => { if (e.key === 'Enter') $('send').click(); };
$('home-tab').onclick = () => go({ view: 'home' });
$('user').onchange = () => { state.seen = null; if (state.view === 'home') act({ type: 'home' }); render(); };
document.querySelector('main').addEventListener('click', (e) => {
  if (document.body.classList.contains('nav-open') && !e.target.closest('#nav-toggle')) {
    document.body.classList.remove('nav-open'); $('nav-toggle').setAttribute('aria-expanded', 'false');
  }
});
$('nav-toggle').onclick = () => {
  const open = document.body.classList.toggle('nav-open');
  $('nav-toggle').setAttribute('aria-expanded', String(open));
  if (open) $('channels').querySelector('[aria-current="page"], button')?.focus();
};
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && document.body.classList.contains('nav-open')) { document.body.classList.remove('nav-open'); $('nav-toggle').setAttribute('aria-expanded', 'false'); $('nav-toggle').focus(); }
});
window.addEventListener('hashchange', () => {
  const [channel, ts] = decodeURIComponent(location.hash.slice(1)).split('/');
  if (channel && state.data?.channels.includes(channel)) go({ view: 'channel', channel, ts });
});

/** A modal left open by an earlier visit is gone on a reload, as in Slack's client. */
function dropModalsOfEarlierVisit(d) {
  const user = Object.keys(d.people)[0];
  const stale = d.modals.filter((m) => m.user === user);
  d.modals = d.modals.filter((m) => m.user !== user);
  for (const m of stale) fetch('/sandbox/act', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'close', user, viewId: m.id }) });
}

/** Polls the sandbox's state; an action asks again at once. One request at a time. */
const poll = { timer: undefined, busy: false, again: false };
async function refresh() {
  if (poll.busy) { poll.again = true; return; }
  poll.busy = true; clearTimeout(poll.timer);
  try {
    const d = await (await fetch('/sandbox/state')).json();
    if (state.data === null) dropModalsOfEarlierVisit(d);
    if (d.revision !== state.revision) { state.revision = d.revision; state.data = d; render(); }
  } catch {}
  poll.busy = false;
  if (poll.again) { poll.again = false; refresh(); } else poll.timer = setTimeout(refresh, 500);
}
refresh();
`,
  )
  .join('\n');
