// Hosted services: the list, and one service with production and staging side by side (create, VIP swap, delete).
import {api} from './api.js';
import {confirmButton, fill, h, note, path, readText, table} from './dom.js';
import {latest, stateBadge} from './page-home.js';
import {failed, track} from './ops.js';

export async function servicesPage(view) {
  const services = (await api('GET', '/services')).services;
  const name = h('input', {id: 'service-name', type: 'text', required: true, placeholder: 'hello'});
  const label = h('input', {id: 'service-label', type: 'text', placeholder: 'Hello, world'});
  const message = h('div');
  const form = h('form', {class: 'card', id: 'new-service'}, h('h2', null, 'Create a hosted service'),
    h('div', {class: 'row'}, h('label', {for: 'service-name'}, 'Name'), name, h('label', {for: 'service-label'}, 'Label'), label,
      h('button', {type: 'submit'}, 'Create')), message);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      const s = await api('POST', '/services', {name: name.value, label: label.value || null});
      location.hash = path`#/services/${s.name}`;
    } catch (err) {
      fill(message, note('error', err.message));
    }
  });
  fill(view, h('h1', null, 'Hosted Services'), form,
    h('section', {class: 'card'}, h('h2', null, 'Your services'),
      table(['Name', 'Label', 'Production', 'Staging'], services.map(s => h('tr', {'data-service': s.name},
        h('td', null, h('a', {href: path`#/services/${s.name}`}, s.name)), h('td', {class: 'label'}, s.label),
        h('td', null, s.deployments.production ?? '—'), h('td', null, s.deployments.staging ?? '—'))))));
}

export async function servicePage(view, ctx, name) {
  const [service, requests] = await Promise.all([api('GET', path`/services/${name}`), api('GET', '/beta/requests')]);
  const admitted = latest(requests.requests, 'vm-role')?.state === 'Approved';
  const message = h('div');
  const slots = await Promise.all(['production', 'staging'].map(slot => slotCard(service, slot, admitted, () => ctx.rerender())));
  const actions = h('div', {class: 'row'},
    h('button', {type: 'button', id: 'swap', disabled: !service.deployments.production && !service.deployments.staging, onclick: async () => {
      try {
        await api('POST', path`/services/${name}/swap`);
        ctx.rerender();
      } catch (err) {
        fill(message, note('error', err.message));
      }
    }}, 'Swap production and staging (VIP swap)'), ' ',
    confirmButton('Delete service', 'Confirm delete service', async () => {
      try {
        await api('DELETE', path`/services/${name}`);
        location.hash = '#/services';
      } catch (err) {
        fill(message, note('error', err.message));
      }
    }, {id: 'delete-service'}));
  fill(view, h('h1', null, 'Service ', h('span', {class: 'service-name'}, service.name)),
    h('p', {class: 'label muted', id: 'service-label-text'}, service.label), actions, message, h('div', {class: 'slots'}, slots));
}

async function slotCard(service, slot, admitted, changed) {
  const card = h('section', {class: 'card slot', 'data-slot': slot}, h('h2', null, slot[0].toUpperCase() + slot.slice(1)));
  if (service.deployments[slot]) {
    try {
      const d = await api('GET', path`/services/${service.name}/deployments/${slot}`);
      const ready = d.instances.filter(i => i.state === 'ReadyRole').length;
      card.append(h('p', null, 'Deployment ', h('span', {class: 'mono'}, d.id), ', version ', d.version, d.deleting ? ' (deleting)' : ''),
        h('p', null, stateBadge(ready === d.instances.length ? 'ReadyRole' : 'StartingRole'), ' ', ready + ' of ' + d.instances.length + ' instances ready'),
        h('p', null, h('a', {href: path`#/services/${service.name}/${slot}`, class: 'button-link'}, 'Open deployment')));
      return card;
    } catch {
      // deleted a moment ago: offer to deploy again
    }
  }
  card.append(h('p', {class: 'muted'}, 'Empty.'), deployForm(service.name, slot, admitted, changed));
  return card;
}

/** Create a deployment from .csdef and .cscfg files; validation errors are shown under the lines they name. */
function deployForm(service, slot, admitted, changed) {
  const def = h('input', {id: 'csdef-' + slot, type: 'file', accept: '.csdef,.xml'});
  const cfg = h('input', {id: 'cscfg-' + slot, type: 'file', accept: '.cscfg,.xml'});
  const errors = h('div', {class: 'validation'});
  const form = h('form', {class: 'deploy', 'data-slot': slot},
    h('label', {for: 'csdef-' + slot}, 'Service definition (.csdef)'), def,
    h('label', {for: 'cscfg-' + slot}, 'Service configuration (.cscfg)'), cfg,
    h('button', {type: 'submit', class: 'deploy-submit', disabled: !admitted}, 'Deploy to ' + slot),
    admitted ? null : h('p', {class: 'muted'}, 'Deploying needs admission to the VM Role beta: ', h('a', {href: '#/beta'}, 'request it')),
    errors);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const [d, c] = await Promise.all([readText(def), readText(cfg)]);
    if (!d || !c) return fill(errors, note('error', 'choose both files: the .csdef and the .cscfg'));
    fill(errors);
    try {
      const op = await api('POST', path`/services/${service}/deployments/${slot}`,
        {definition: d.text, configuration: c.text, definitionName: d.name, configurationName: c.name});
      changed();
      track(op, 'Create ' + service + '/' + slot).then(changed);
    } catch (err) {
      if (err.code === 'InvalidService') fill(errors, validationErrors(err.message, [d, c]));
      else { fill(errors, note('error', err.message)); failed('Create ' + service + '/' + slot, err); }
    }
  });
  return form;
}

/** Lines "file:line:col: message" placed under the line of the file they name; other lines as they are. */
export function validationErrors(message, files) {
  const byFile = new Map();
  const loose = [];
  for (const line of message.split('\n')) {
    const m = line.match(/^(.+?):(\d+):(\d+): (.*)$/);
    const file = m && files.find(f => f.name === m[1]);
    if (!file) { loose.push(line); continue; }
    if (!byFile.has(file)) byFile.set(file, []);
    byFile.get(file).push({line: Number(m[2]), column: Number(m[3]), text: m[4]});
  }
  const blocks = [...byFile].map(([file, problems]) => {
    const lines = file.text.split('\n');
    const shown = [];
    lines.forEach((text, i) => {
      const here = problems.filter(p => p.line === i + 1);
      const near = problems.some(p => Math.abs(p.line - (i + 1)) <= 2);
      if (!near) return;
      shown.push(h('div', {class: 'src-line' + (here.length ? ' has-error' : '')}, h('span', {class: 'ln'}, String(i + 1)), h('code', null, text)));
      for (const p of here) shown.push(h('div', {class: 'src-error', role: 'alert'}, '↑ column ' + p.column + ': ' + p.text));
    });
    return h('div', {class: 'src'}, h('p', {class: 'src-file'}, file.name), shown);
  });
  return h('div', {class: 'note error'}, h('p', null, 'The service does not validate:'), blocks,
    loose.filter(l => l.trim()).map(l => h('p', {class: 'loose'}, l)));
}
