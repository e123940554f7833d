// Home: usage against limits, hosted services with their deployments' health, recent operations.
import {api} from './api.js';
import {age, bytes, fill, h, path, table, when} from './dom.js';

export async function homePage(view, ctx) {
  fill(view, h('h1', null, 'Home'));
  if (ctx.me.administrator) return adminHome(view);
  const sub = ctx.me.subscription;
  const [usage, services, ops, requests] = await Promise.all([
    api('GET', path`/subscriptions/${sub}/usage`), api('GET', '/services'), api('GET', '/operations?limit=10'), api('GET', '/beta/requests')]);
  const vmRole = latest(requests.requests, 'vm-role');
  view.append(
    h('section', {class: 'card', 'aria-labelledby': 'beta-h'},
      h('h2', {id: 'beta-h'}, 'VM Role beta'),
      h('p', null, 'Admission: ', stateBadge(vmRole?.state ?? 'Not requested'), ' ', h('a', {href: '#/beta'}, 'Beta Programs'))),
    usageCard(usage),
    h('section', {class: 'card', 'aria-labelledby': 'svc-h'}, h('h2', {id: 'svc-h'}, 'Hosted services'),
      await servicesHealth(services.services)),
    h('section', {class: 'card', 'aria-labelledby': 'ops-h'}, h('h2', {id: 'ops-h'}, 'Recent operations'), operationsTable(ops.operations)));
}

async function adminHome(view) {
  const [requests, hosts, ops] = await Promise.all([
    api('GET', '/beta/requests?state=Pending'), api('GET', '/hosts'), api('GET', '/operations?limit=10')]);
  view.append(
    h('section', {class: 'card'}, h('h2', null, 'Beta Programs'),
      h('p', null, requests.requests.length + ' admission request(s) waiting. ', h('a', {href: '#/beta'}, 'Review them'))),
    h('section', {class: 'card'}, h('h2', null, 'Hosts'),
      table(['Host', 'Fault domain', 'Status', 'Heartbeat'], hosts.hosts.map(x =>
        h('tr', null, h('td', null, x.name), h('td', null, x.faultDomain), h('td', null, stateBadge(x.status)), h('td', null, age(x.heartbeatAgeMillis) + ' ago'))))),
    h('section', {class: 'card'}, h('h2', null, 'Recent operations'), operationsTable(ops.operations)));
}

function usageCard(u) {
  const row = (label, used, limit, fmt = String) => h('tr', null, h('th', {scope: 'row'}, label),
    h('td', null, fmt(used) + ' of ' + fmt(limit)),
    h('td', null, h('meter', {min: 0, max: limit, value: used, high: limit * 0.8, 'aria-label': label}, fmt(used))));
  return h('section', {class: 'card', 'aria-labelledby': 'usage-h'}, h('h2', {id: 'usage-h'}, 'Usage'),
    h('table', {class: 'usage'}, h('tbody', null,
      row('Cores', u.usage.cores, u.limits.cores), row('Instances', u.usage.instances, u.limits.instances),
      row('Images', u.usage.images, u.limits.images), row('Storage', u.usage.storageBytes, u.limits.storageBytes, bytes))));
}

async function servicesHealth(services) {
  const rows = [];
  for (const s of services) {
    const slots = [];
    for (const slot of ['production', 'staging']) {
      if (!s.deployments[slot]) continue;
      try {
        const d = await api('GET', path`/services/${s.name}/deployments/${slot}`);
        const ready = d.instances.filter(i => i.state === 'ReadyRole').length;
        slots.push(h('a', {href: path`#/services/${s.name}/` + slot, class: 'health ' + (ready === d.instances.length ? 'good' : 'warn')},
          slot + ': ' + ready + ' of ' + d.instances.length + ' ready'));
      } catch {
        // a deployment deleted a moment ago: its slot reads as empty
      }
    }
    rows.push(h('tr', null, h('td', null, h('a', {href: path`#/services/${s.name}`}, s.name)), h('td', null, s.label),
      h('td', null, slots.length ? slots : h('span', {class: 'muted'}, 'no deployments'))));
  }
  return table(['Service', 'Label', 'Deployments'], rows);
}

export function operationsTable(ops) {
  return table(['Started', 'Operation', 'Where', 'Status', 'Detail'], ops.map(e => {
    const op = e.operation;
    return h('tr', {'data-operation': op.id}, h('td', null, when(op.startedMillis)),
      h('td', null, op.kind + (op.instance ? ' ' + op.instance : op.role ? ' ' + op.role : '')),
      h('td', null, e.service ? e.service + '/' + (e.slot ?? '') : op.deploymentId),
      h('td', null, stateBadge(op.status)), h('td', null, op.status === 'Failed' ? op.error : op.progress));
  }));
}

export function stateBadge(state) {
  const tone = /^(ReadyRole|Succeeded|Approved|Up)$/.test(state) ? 'good'
    : /Failed|Denied|Down|Unresponsive|Unknown/.test(state) ? 'bad' : 'warn';
  return h('span', {class: 'badge ' + tone}, state);
}

/** The newest admission request of a program. */
export function latest(requests, program) {
  return requests.filter(r => r.program === program).sort((a, b) => (a.requested < b.requested ? 1 : -1))[0];
}
