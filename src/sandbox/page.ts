/**
 * The sandbox page: a plain, keyboard-usable stand-in for the Slack client. It renders Block Kit
 * with textContent only (never innerHTML), so nothing a message carries can run or format here.
 */
export const SANDBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Cartwatch sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 14rem 1fr; height: 100vh; }
  nav { background: #1d3557; color: #fff; padding: 1rem; overflow-y: auto; }
  nav button { display: block; width: 100%; text-align: left; background: none; color: inherit; border: 0; padding: .3rem .4rem; font: inherit; cursor: pointer; border-radius: 4px; }
  nav button[aria-current="true"] { background: #457b9d; }
  main { display: grid; grid-template-rows: auto 1fr auto; overflow: hidden; }
  header { padding: .6rem 1rem; border-bottom: 1px solid #ddd; display: flex; gap: 1rem; align-items: center; }
  #messages { overflow-y: auto; padding: 1rem; }
  .message { border: 1px solid #e5e5e5; border-radius: 6px; padding: .6rem .8rem; margin-bottom: .8rem; }
  .message.ephemeral { border-style: dashed; background: #fffbe6; }
  .thread { margin: .5rem 0 0 1.2rem; border-left: 3px solid #ddd; padding-left: .6rem; }
  .block-header { font-weight: 700; font-size: 1.05rem; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: .2rem 1rem; margin: .3rem 0; }
  .context { color: #666; font-size: .85rem; }
  .actions { display: flex; gap: .4rem; flex-wrap: wrap; margin-top: .4rem; }
  .actions button, .actions select { font: inherit; padding: .25rem .7rem; }
  button.primary { background: #2a9d8f; color: #fff; border: 1px solid #2a9d8f; border-radius: 4px; }
  pre.text { white-space: pre-wrap; font: inherit; margin: .2rem 0; }
  footer { border-top: 1px solid #ddd; padding: .6rem 1rem; display: flex; gap: .5rem; }
  footer input { flex: 1; font: inherit; padding: .3rem; }
  dialog { min-width: 28rem; }
  dialog label { display: block; margin-top: .6rem; font-weight: 600; }
  dialog .error { color: #b00020; font-weight: 400; }
  .edited { color: #999; font-size: .8rem; }
</style>
</head>
<body>
<nav aria-label="Channels"><strong>Cartwatch sandbox</strong><div id="channels"></div><hr><button id="home-tab">🏠 Home</button></nav>
<main>
  <header><span id="title">#</span><label>Acting as <select id="user"></select></label></header>
  <section id="messages" aria-live="polite"></section>
  <footer><label for="command" class="visually-hidden">Command</label><input id="command" value="/cart-status " aria-label="Slash command"><button id="send">Send</button></footer>
</main>
<dialog id="modal"><form method="dialog" id="modal-form"></form></dialog>
<script>
const state = { revision: -1, data: null, channel: null, view: 'channel' };
const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => { const e = document.createElement(tag); Object.assign(e, props); for (const c of children) if (c != null) e.append(c); return e; };

/** Slack mrkdwn to plain text: entities decoded (safe: shown as text), dates, mentions and links made readable. */
function text(mrkdwn) {
  return String(mrkdwn ?? '')
    .replace(/<!date\\^\\d+\\^[^|]*\\|([^>]*)>/g, '$1')
    .replace(/<!subteam\\^([A-Z0-9]+)>/g, '@$1')
    .replace(/<@([A-Z0-9]+)>/g, (_, id) => '@' + ((state.data?.people?.[id] ?? id).split(' ')[0]))
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<([^|>]+)\\|([^>]+)>/g, '$2')
    .replace(/\\*([^*\\n]+)\\*/g, '$1')
    .replace(/\`([^\`\\n]+)\`/g, '$1')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function act(body) {
  return fetch('/sandbox/act', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: $('user').value, ...body }) }).then((r) => r.json());
}

function renderBlocks(blocks, where) {
  const out = el('div');
  for (const b of blocks ?? []) {
    if (b.type === 'header') out.append(el('div', { className: 'block-header', textContent: text(b.text?.text) }));
    else if (b.type === 'section') {
      if (b.text) out.append(el('pre', { className: 'text', textContent: text(b.text.text) }));
      if (b.fields) out.append(el('div', { className: 'fields' }, ...b.fields.map((f) => el('pre', { className: 'text', textContent: text(f.text) }))));
    } else if (b.type === 'context') out.append(el('div', { className: 'context', textContent: (b.elements ?? []).map((e) => text(e.text)).join(' ') }));
    else if (b.type === 'divider') out.append(el('hr'));
    else if (b.type === 'actions') out.append(renderActions(b.elements ?? [], where));
  }
  return out;
}

function renderActions(elements, where) {
  const bar = el('div', { className: 'actions' });
  for (const e of elements) {
    if (e.type === 'button') {
      bar.append(el('button', { textContent: e.text?.text, className: e.style === 'primary' ? 'primary' : '', onclick: () => act({ type: 'click', actionId: e.action_id, value: e.value, ...where }) }));
    } else if (e.type === 'overflow') {
      const select = el('select', { 'aria-label': 'More actions' }, el('option', { textContent: '⋯', value: '' }), ...e.options.map((o) => el('option', { textContent: o.text?.text, value: o.value })));
      select.onchange = () => { if (select.value) act({ type: 'click', actionId: e.action_id, value: select.value, overflow: true, ...where }); select.value = ''; };
      bar.append(select);
    }
  }
  return bar;
}

function renderMessage(m, replies) {
  const box = el('article', { className: 'message' }, renderBlocks(m.blocks, { channel: m.channel, ts: m.ts }));
  if (!m.blocks?.length) box.append(el('pre', { className: 'text', textContent: text(m.text) }));
  if (m.edited) box.append(el('span', { className: 'edited', textContent: '(edited)' }));
  if (replies.length) box.append(el('div', { className: 'thread' }, ...replies.map((r) => el('pre', { className: 'text', textContent: text(r.text) }))));
  return box;
}

function render() {
  const d = state.data; if (!d) return;
  const user = $('user');
  if (!user.options.length) for (const [id, name] of Object.entries(d.people)) user.append(el('option', { value: id, textContent: name }));
  state.channel ??= d.channels[0];
  $('channels').replaceChildren(...d.channels.map((c) => el('button', { textContent: '# ' + c, onclick: () => { state.channel = c; state.view = 'channel'; render(); }, ariaCurrent: String(state.view === 'channel' && c === state.channel) })));
  const list = $('messages');
  if (state.view === 'home') {
    $('title').textContent = 'Home';
    const home = d.homes[user.value];
    list.replaceChildren(home ? renderBlocks(home.blocks, {}) : el('p', { textContent: 'Opening Home…' }));
  } else {
    $('title').textContent = '# ' + state.channel;
    const roots = d.messages.filter((m) => m.channel === state.channel && !m.threadTs);
    const items = roots.map((m) => renderMessage(m, d.messages.filter((r) => r.threadTs === m.ts && r.channel === m.channel)));
    const mine = d.ephemerals.filter((e) => e.user === user.value && e.channel === state.channel);
    for (const e of mine) { const box = renderMessage(e, []); box.classList.add('ephemeral'); box.prepend(el('div', { className: 'context', textContent: 'Only visible to you' })); items.push(box); }
    list.replaceChildren(...items);
  }
  renderModal(d.modals.find((m) => m.user === user.value));
}

function renderModal(modal) {
  const dialog = $('modal');
  if (!modal) { if (dialog.open) dialog.close(); return; }
  if (dialog.open && dialog.dataset.id === modal.id) return;
  dialog.dataset.id = modal.id;
  const form = $('modal-form');
  const fields = [el('h2', { textContent: modal.view.title?.text ?? '' })];
  for (const b of modal.view.blocks ?? []) {
    if (b.type === 'section') fields.push(el('p', { textContent: text(b.text?.text) }));
    if (b.type === 'context') fields.push(el('p', { className: 'context', textContent: (b.elements ?? []).map((x) => text(x.text)).join(' ') }));
    if (b.type !== 'input') continue;
    const e = b.element; let input;
    if (e.type === 'static_select') input = el('select', {}, el('option', { value: '', textContent: '—' }), ...e.options.map((o) => el('option', { value: o.value, textContent: o.text.text, selected: e.initial_option?.value === o.value })));
    else if (e.type === 'checkboxes') input = el('div', {}, ...e.options.map((o) => el('label', {}, el('input', { type: 'checkbox', value: o.value, checked: (e.initial_options ?? []).some((i) => i.value === o.value) }), ' ' + o.text.text, el('br'))));
    else if (e.type === 'users_select') input = el('select', {}, el('option', { value: '', textContent: '—' }), ...Object.entries(state.data.people).map(([id, name]) => el('option', { value: id, textContent: name })));
    else input = el('textarea', { rows: 3 });
    input.dataset.block = b.block_id; input.dataset.action = e.action_id; input.dataset.type = e.type;
    fields.push(el('label', { textContent: b.label?.text ?? '' }, el('span', { className: 'error', id: 'error-' + b.block_id }), el('br'), input));
  }
  fields.push(el('menu', {}, el('button', { value: 'cancel', textContent: modal.view.close?.text ?? 'Cancel' }), el('button', { value: 'submit', className: 'primary', textContent: modal.view.submit?.text ?? 'Submit' })));
  form.replaceChildren(...fields);
  dialog.oncancel = () => act({ type: 'close', viewId: modal.id });
  form.onsubmit = async (event) => {
    if (event.submitter?.value !== 'submit') { act({ type: 'close', viewId: modal.id }); return; }
    event.preventDefault();
    const values = {};
    for (const input of form.querySelectorAll('[data-block]')) {
      const v = input.value || null; const t = input.dataset.type;
      (values[input.dataset.block] ??= {})[input.dataset.action] =
        t === 'static_select' ? { type: t, selected_option: v && { value: v, text: { type: 'plain_text', text: v } } }
        : t === 'checkboxes' ? { type: t, selected_options: [...input.querySelectorAll('input:checked')].map((c) => ({ value: c.value, text: { type: 'plain_text', text: c.value } })) }
        : t === 'users_select' ? { type: t, selected_user: v } : { type: t, value: v };
    }
    const result = await act({ type: 'submit', viewId: modal.id, values });
    for (const [block, message] of Object.entries(result.errors ?? {})) { const e = document.getElementById('error-' + block); if (e) e.textContent = ' ' + message; }
  };
  dialog.showModal();
}

$('send').onclick = () => { const t = $('command').value.replace(/^\\/cart-status\\s*/, ''); act({ type: 'command', channel: state.channel, text: t }); };
$('command').onkeydown = (e) => { if (e.key === 'Enter') $('send').click(); };
$('home-tab').onclick = () => { state.view = 'home'; act({ type: 'home' }); render(); };
$('user').onchange = () => { if (state.view === 'home') act({ type: 'home' }); render(); };

async function poll() {
  try {
    const d = await (await fetch('/sandbox/state')).json();
    if (d.revision !== state.revision) { state.revision = d.revision; state.data = d; render(); }
  } catch {}
  setTimeout(poll, 500);
}
poll();
</script>
</body>
</html>
`;
