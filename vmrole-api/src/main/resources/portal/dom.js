// Builds DOM nodes from data without ever parsing it as HTML: text always goes in as text nodes.

/** h('button', {class: 'x', onclick: fn}, 'text', child...) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, children);
  return el;
}

function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  add(el, children);
  return el;
}

/** A path with each substituted part URL-encoded: path`/services/${name}`. */
export function path(strings, ...parts) {
  return strings.reduce((out, s, i) => out + s + (i < parts.length ? encodeURIComponent(parts[i]) : ''), '');
}

export function bytes(n) {
  if (n == null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i];
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(typeof iso === 'number' ? iso : iso);
  return d.toLocaleString();
}

export function age(ms) {
  if (ms == null) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60) + 's';
  return Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm';
}

/** A message box: kind is 'error', 'ok' or 'info'. */
export function note(kind, ...text) {
  return h('p', {class: 'note ' + kind, role: kind === 'error' ? 'alert' : 'status'}, ...text);
}

/** A button that asks once more before it acts (no browser dialogs: they block keyboard users and tests alike). */
export function confirmButton(label, confirmLabel, action, attrs = {}) {
  const b = h('button', {type: 'button', class: 'danger', ...attrs}, label);
  let armed = false;
  b.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      b.textContent = confirmLabel;
      b.classList.add('armed');
      return;
    }
    b.disabled = true;
    try { await action(); } finally { b.disabled = false; armed = false; b.textContent = label; b.classList.remove('armed'); }
  });
  return b;
}

export function table(headers, rows, attrs = {}) {
  return h('div', {class: 'table-wrap'}, h('table', attrs,
    h('thead', null, h('tr', null, headers.map(t => h('th', {scope: 'col'}, t)))),
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', {colspan: headers.length, class: 'muted'}, 'None')))));
}

/** Reads a chosen file as text. */
export function readText(input) {
  const f = input.files?.[0];
  return f ? f.text().then(text => ({name: f.name, text})) : Promise.resolve(null);
}
