// The operations strip: every action's operation shown until it ends, with its error in words.
import {api} from './api.js';
import {h, path} from './dom.js';

const strip = () => document.getElementById('ops');

/** Follows an operation the API answered with (202) until it ends; resolves to the final operation. */
export async function track(op, label) {
  const status = h('span', {class: 'op-status'}, op.status);
  const detail = h('span', {class: 'op-detail'}, op.progress ?? '');
  const entry = h('div', {class: 'op running', 'data-operation': op.id, 'data-status': op.status},
    h('span', {class: 'op-label'}, label), ' ', status, ' ', detail,
    h('button', {type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => entry.remove()}, '×'));
  show(entry);
  while (op.status === 'InProgress') {
    await new Promise(r => setTimeout(r, 1000));
    try {
      op = await api('GET', path`/operations/${op.id}`);
    } catch (e) {
      detail.textContent = 'cannot follow the operation: ' + e.message;
      continue;
    }
    status.textContent = op.status;
    detail.textContent = op.progress ?? '';
  }
  entry.dataset.status = op.status;
  entry.className = 'op ' + (op.status === 'Succeeded' ? 'ok' : 'failed');
  status.textContent = op.status;
  detail.textContent = op.status === 'Failed' ? 'failed: ' + (op.error ?? 'no reason given') : (op.progress ?? '');
  return op;
}

/** Reports an action that failed before it became an operation (a 4xx answer). */
export function failed(label, error) {
  show(h('div', {class: 'op failed', 'data-status': 'Refused'},
    h('span', {class: 'op-label'}, label), ' ', h('span', {class: 'op-status'}, 'Refused'), ' ',
    h('span', {class: 'op-detail'}, error.message)));
}

/** Newest first; the strip keeps the few latest, running ones before finished ones. */
function show(entry) {
  strip().prepend(entry);
  const finished = [...strip().children].filter(e => !e.classList.contains('running'));
  while (strip().children.length > 4 && finished.length) finished.pop().remove();
}
