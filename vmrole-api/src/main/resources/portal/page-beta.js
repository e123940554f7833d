// Beta Programs: each program with this subscription's admission; for the administrator, requests to decide.
import {api} from './api.js';
import {fill, h, note, path, table, when} from './dom.js';
import {latest, stateBadge} from './page-home.js';

export async function betaPage(view, ctx) {
  const body = h('div');
  fill(view, h('h1', null, 'Beta Programs'), body);
  const draw = ctx.me.administrator ? () => adminRequests(body) : () => tenantPrograms(body, ctx);
  await draw();
  if (!ctx.me.administrator) {
    // the administrator decides elsewhere: the page follows along without a reload
    const timer = setInterval(() => { if (!body.contains(document.activeElement)) draw().catch(() => {}); }, 2000);
    ctx.onLeave(() => clearInterval(timer));
  }
}

async function tenantPrograms(body, ctx) {
  const [programs, requests] = await Promise.all([api('GET', '/beta/programs'), api('GET', '/beta/requests')]);
  fill(body, programs.programs.map(p => {
    const r = latest(requests.requests, p.name);
    const state = r?.state ?? 'Not requested';
    const message = h('div');
    const parts = [h('h2', null, p.name), h('p', null, p.description),
      h('p', null, 'Admission: ', h('span', {class: 'admission', 'data-program': p.name}, stateBadge(state)),
        r?.note ? h('span', null, ' — note: ', r.note) : null)];
    if (!r || state === 'Denied') {
      const reason = h('textarea', {id: 'reason-' + p.name, rows: 2, required: true});
      const form = h('form', {class: 'request'}, h('label', {for: 'reason-' + p.name}, 'Why you need it'), reason,
        h('button', {type: 'submit'}, 'Request admission'), message);
      form.addEventListener('submit', async e => {
        e.preventDefault();
        try {
          await api('POST', path`/beta/programs/${p.name}/requests`, {reason: reason.value});
          await tenantPrograms(body, ctx);
        } catch (err) {
          fill(message, note('error', err.message));
        }
      });
      parts.push(form);
    }
    if (p.name === 'vm-role') {
      const deploy = h('button', {type: 'button', id: 'deploy-button', disabled: state !== 'Approved',
        onclick: () => { location.hash = '#/services'; }}, 'Deploy a VM Role');
      parts.push(h('p', null, deploy, state === 'Approved' ? null : h('span', {class: 'muted'}, ' available once the administrator approves')));
    }
    return h('section', {class: 'card program', 'data-program': p.name}, parts);
  }));
}

async function adminRequests(body) {
  const requests = (await api('GET', '/beta/requests')).requests;
  const pending = requests.filter(r => r.state === 'Pending');
  const decided = requests.filter(r => r.state !== 'Pending');
  const message = h('div');
  fill(body, message,
    h('section', {class: 'card'}, h('h2', null, 'Pending requests'),
      table(['Subscription', 'Program', 'Reason', 'Requested', 'Note', 'Decision'], pending.map(r => {
        const noteInput = h('input', {type: 'text', 'aria-label': 'Note for ' + r.subscriptionId, class: 'note-input'});
        const decide = approve => async () => {
          try {
            await api('POST', path`/beta/requests/${r.id}/` + (approve ? 'approve' : 'deny'), {note: noteInput.value || null});
            await adminRequests(body);
          } catch (err) {
            fill(message, note('error', err.message));
          }
        };
        return h('tr', {'data-request': r.id, 'data-subscription': r.subscriptionId},
          h('td', null, r.subscriptionId), h('td', null, r.program), h('td', null, r.reason), h('td', null, when(r.requested)),
          h('td', null, noteInput),
          h('td', null, h('button', {type: 'button', class: 'approve', onclick: decide(true)}, 'Approve'), ' ',
            h('button', {type: 'button', class: 'deny secondary', onclick: decide(false)}, 'Deny')));
      }))),
    h('section', {class: 'card'}, h('h2', null, 'Decided'),
      table(['Subscription', 'Program', 'State', 'Decided', 'Note'], decided.map(r => h('tr', null,
        h('td', null, r.subscriptionId), h('td', null, r.program), h('td', null, stateBadge(r.state)), h('td', null, when(r.decided)), h('td', null, r.note))))));
}
