/**
 * The sandbox page's controls that stand over the channel: the ⋯ menu, a button's confirm dialog
 * and modals (views.open, views.update, submission errors), all usable by keyboard alone. Joined
 * after page-script.ts's script, whose helpers it uses.
 */
export const SANDBOX_CONTROLS_SCRIPT = `
/** Slack's ⋯ overflow as a menu button: arrows move focus only; Enter or a click picks; Escape goes back. */
function renderMenu(e, where, key) {
  const id = 'menu-' + key.replace(/[^A-Za-z0-9]/g, '-');
  const open = state.openMenu === key;
  const button = el('button', { type: 'button', className: 'btn more', textContent: '⋯', 'data-key': key,
    'aria-label': 'More actions' + (where.label ? ': ' + where.label : ''), 'aria-haspopup': 'menu',
    'aria-expanded': String(open), 'aria-controls': id });
  const list = el('div', { role: 'menu', id, className: 'menu-list', hidden: !open, 'aria-label': 'More actions' });
  const items = (e.options ?? []).map((o, k) => el('button', { type: 'button', role: 'menuitem', tabIndex: -1,
    'data-key': key + ':' + k, textContent: o.text?.text ?? '',
    onclick: () => { close(false); state.opener = key; click(where, e.action_id, o.value, true); } }));
  list.append(...items);
  const show = (index) => { state.openMenu = key; list.hidden = false; button.setAttribute('aria-expanded', 'true'); items[index]?.focus(); };
  const close = (refocus) => {
    if (state.openMenu === key) state.openMenu = null;
    list.hidden = true; button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  };
  const move = (by) => { const i = items.indexOf(document.activeElement); items[(i + by + items.length) % items.length]?.focus(); };
  button.onclick = () => (list.hidden ? show(0) : close(true));
  button.onkeydown = (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') { ev.preventDefault(); show(ev.key === 'ArrowDown' ? 0 : items.length - 1); }
  };
  list.onkeydown = (ev) => {
    const keys = { ArrowDown: () => move(1), ArrowUp: () => move(-1), Home: () => items[0]?.focus(),
      End: () => items[items.length - 1]?.focus(), Escape: () => close(true) };
    if (keys[ev.key]) { ev.preventDefault(); ev.stopPropagation(); keys[ev.key](); } else if (ev.key === 'Tab') close(false);
  };
  const wrap = el('div', { className: 'menu' }, button, list);
  wrap.addEventListener('focusout', (ev) => { if (!state.rendering && !wrap.contains(ev.relatedTarget)) close(false); });
  return wrap;
}

/** A button's confirm dialog, as Slack shows one before it acts; resolves to whether to go on. */
function confirmed(confirm) {
  if (!confirm) return Promise.resolve(true);
  const dialog = $('confirm');
  $('confirm-title').textContent = confirm.title?.text ?? 'Are you sure?';
  $('confirm-text').replaceChildren(textOf(confirm.text) ?? '');
  $('confirm-ok').textContent = confirm.confirm?.text ?? 'Yes';
  $('confirm-deny').textContent = confirm.deny?.text ?? 'Cancel';
  dialog.returnValue = '';
  dialog.showModal();
  $('confirm-ok').focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

/** Modal inputs, read back in the shape of Slack's view.state.values. */
function modalValues(form) {
  const values = {};
  for (const input of form.querySelectorAll('[data-block]')) {
    const t = input.dataset.type; const v = input.value || null;
    (values[input.dataset.block] ??= {})[input.dataset.action] =
      t === 'static_select' ? { type: t, selected_option: v && { value: v, text: { type: 'plain_text', text: v } } }
      : t === 'checkboxes' ? { type: t, selected_options: [...input.querySelectorAll('input:checked')].map((c) => ({ value: c.value, text: { type: 'plain_text', text: c.value } })) }
      : t === 'users_select' ? { type: t, selected_user: v } : { type: t, value: v };
  }
  return values;
}

function modalInput(modal, b, id, kept) {
  const e = b.element; const base = { id, 'data-key': 'modal:' + b.block_id, 'data-block': b.block_id, 'data-action': e.action_id, 'data-type': e.type };
  const keep = kept?.[b.block_id]?.[e.action_id];
  if (e.type === 'static_select' || e.type === 'users_select') {
    const options = e.type === 'users_select' ? Object.entries(state.data.people).map(([value, text]) => ({ value, text: { text } })) : e.options ?? [];
    const chosen = keep ? keep.selected_option?.value ?? keep.selected_user : e.initial_option?.value ?? e.initial_user;
    return el('select', base, el('option', { value: '', textContent: e.placeholder?.text ?? '—' }),
      ...options.map((o) => el('option', { value: o.value, textContent: o.text?.text ?? o.value, selected: chosen === o.value })));
  }
  if (e.type === 'checkboxes') {
    const chosen = keep ? keep.selected_options.map((o) => o.value) : (e.initial_options ?? []).map((o) => o.value);
    const box = el('div', { ...base, role: 'group' });
    (e.options ?? []).forEach((o, k) => box.append(el('label', { className: 'choice' },
      el('input', { type: 'checkbox', value: o.value, checked: chosen.includes(o.value), 'data-key': 'modal:' + b.block_id + ':' + k,
        onchange: () => { if (b.dispatch_action) viewChange(modal, b, box); } }), o.text?.text ?? o.value)));
    return box;
  }
  const value = keep ? keep.value ?? '' : e.initial_value ?? '';
  const props = { ...base, value, placeholder: e.placeholder?.text ?? '', maxLength: e.max_length ?? undefined };
  return e.multiline ? el('textarea', { ...props, rows: 3 }) : el('input', { ...props, type: 'text' });
}

/** A dispatching element changed: Slack sends block_actions with the view's state, and the bot may redraw it. */
function viewChange(modal, b, box) {
  const form = $('modal-form');
  act({ type: 'view_action', viewId: modal.id, blockId: b.block_id, actionId: b.element.action_id,
    selected: [...box.querySelectorAll('input:checked')].map((c) => c.value), values: modalValues(form) });
}

function renderModal(modal) {
  const dialog = $('modal');
  if (!modal) { if (dialog.open) dialog.close(); state.modal = null; return; }
  if (dialog.open && state.modal?.id === modal.id && state.modal?.hash === modal.hash) return;
  const form = $('modal-form');
  // Redrawn by the bot (views.update): what was typed stays, as in Slack, and so does focus.
  const redraw = dialog.open && state.modal?.id === modal.id;
  const kept = redraw ? modalValues(form) : null;
  const focused = redraw && dialog.contains(document.activeElement) ? document.activeElement.dataset.key : undefined;
  state.modal = { id: modal.id, hash: modal.hash };
  const fields = [el('h2', { id: 'modal-title', textContent: modal.view.title?.text ?? '' })];
  (modal.view.blocks ?? []).forEach((b, i) => {
    if (b.type === 'section') fields.push(el('p', {}, textOf(b.text)));
    else if (b.type === 'context') fields.push(el('p', { className: 'context' }, ...(b.elements ?? []).map((x) => el('span', {}, textOf(x), ' '))));
    else if (b.type === 'header') fields.push(el('h3', {}, textOf(b.text)));
    if (b.type !== 'input') return;
    const id = 'input-' + i;
    const label = (b.label?.text ?? '') + (b.optional ? ' (optional)' : '');
    const error = el('div', { className: 'error', id: 'error-' + b.block_id, role: 'alert' });
    const hint = b.hint && el('div', { className: 'hint', textContent: b.hint.text });
    const input = modalInput(modal, b, id, kept);
    fields.push(b.element.type === 'checkboxes'
      ? el('fieldset', { className: 'field' }, el('legend', { textContent: label }), input, hint, error)
      : el('div', { className: 'field' }, el('label', { for: id, textContent: label }), input, hint, error));
  });
  fields.push(el('menu', {}, el('button', { type: 'button', className: 'btn', textContent: modal.view.close?.text ?? 'Cancel', onclick: () => dialog.close() }),
    el('button', { type: 'submit', className: 'btn primary', textContent: modal.view.submit?.text ?? 'Submit' })));
  form.replaceChildren(...fields);
  dialog.setAttribute('aria-labelledby', 'modal-title');
  form.onsubmit = async (event) => {
    event.preventDefault();
    const result = await act({ type: 'submit', viewId: modal.id, values: modalValues(form) });
    for (const [block, message] of Object.entries(result.errors ?? {})) { const e = document.getElementById('error-' + block); if (e) e.textContent = message; }
  };
  if (!dialog.open) dialog.showModal();
  if (focused) form.querySelector('[data-key="' + CSS.escape(focused) + '"]')?.focus();
}

// Cancel, Escape or the bot closing it: the modal is gone for good, and focus goes back to what opened it.
$('modal').addEventListener('close', () => {
  const open = state.data?.modals.find((m) => m.user === me() && m.id === state.modal?.id);
  if (open) act({ type: 'close', viewId: open.id });
  state.modal = null;
  const opener = state.opener && document.querySelector('[data-key="' + CSS.escape(state.opener) + '"]');
  (opener ?? $('command')).focus();
});

`;
