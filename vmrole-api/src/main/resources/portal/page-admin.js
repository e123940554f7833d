// Administrator: hosts (drain/undrain), subscriptions and their limits, keys, the audit log.
import {api} from './api.js';
import {age, bytes, confirmButton, fill, h, note, path, table, when} from './dom.js';
import {stateBadge} from './page-home.js';

export async function adminPage(view) {
  const hosts = h('section', {class: 'card', id: 'hosts'});
  const subs = h('section', {class: 'card', id: 'subscriptions'});
  const keys = h('section', {class: 'card', id: 'keys'});
  const audit = h('section', {class: 'card', id: 'audit'});
  fill(view, h('h1', null, 'Administrator'), hosts, subs, keys, audit);
  await Promise.all([drawHosts(hosts), drawSubscriptions(subs, keys), drawAudit(audit)]);
}

async function drawHosts(box) {
  const list = (await api('GET', '/hosts')).hosts;
  const message = h('div');
  const toggle = (x, drain) => async () => {
    try {
      await api('POST', path`/hosts/${x.name}/` + (drain ? 'drain' : 'undrain'));
      await drawHosts(box);
    } catch (e) {
      fill(message, note('error', e.message));
    }
  };
  fill(box, h('h2', null, 'Hosts'), message, table(['Host', 'Fault domain', 'Status', 'Cores', 'Memory', 'Disk', 'Heartbeat', ''], list.map(x =>
    h('tr', {'data-host': x.name}, h('td', null, x.name), h('td', null, x.faultDomain), h('td', null, stateBadge(x.status)),
      h('td', null, x.cores), h('td', null, bytes(x.memoryMiB * 1048576)), h('td', null, x.diskGiB + ' GiB'),
      h('td', null, age(x.heartbeatAgeMillis) + ' ago'),
      h('td', null, x.status === 'Draining'
        ? h('button', {type: 'button', class: 'secondary', onclick: toggle(x, false)}, 'Undrain')
        : h('button', {type: 'button', class: 'secondary', onclick: toggle(x, true)}, 'Drain'))))));
}

async function drawSubscriptions(box, keysBox) {
  const list = (await api('GET', '/subscriptions')).subscriptions;
  const message = h('div');
  const id = h('input', {id: 'new-subscription', type: 'text', required: true, placeholder: 'contoso'});
  const form = h('form', {class: 'row'}, h('label', {for: 'new-subscription'}, 'New subscription'), id, h('button', {type: 'submit'}, 'Create'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      await api('POST', '/subscriptions', {id: id.value});
      await drawSubscriptions(box, keysBox);
    } catch (err) {
      fill(message, note('error', err.message));
    }
  });
  fill(box, h('h2', null, 'Subscriptions and limits'), form, message,
    table(['Subscription', 'Created', 'Cores', 'Instances', 'Images', 'Storage (GiB)', ''], list.map(s => {
      const field = (name, value) => h('input', {type: 'number', min: 0, value, class: 'count', 'aria-label': name + ' limit of ' + s.id});
      const cores = field('cores', s.limits.cores);
      const instances = field('instances', s.limits.instances);
      const images = field('images', s.limits.images);
      const storage = field('storage', Math.round(s.limits.storageBytes / 2 ** 30));
      return h('tr', {'data-subscription': s.id}, h('td', null, s.id), h('td', null, when(s.created)),
        h('td', null, cores), h('td', null, instances), h('td', null, images), h('td', null, storage),
        h('td', null,
          h('button', {type: 'button', onclick: async () => {
            try {
              await api('PUT', path`/subscriptions/${s.id}/limits`, {cores: +cores.value, instances: +instances.value, images: +images.value,
                storageBytes: +storage.value * 2 ** 30});
              fill(message, note('ok', 'limits of ' + s.id + ' saved'));
            } catch (err) {
              fill(message, note('error', err.message));
            }
          }}, 'Save limits'), ' ',
          h('button', {type: 'button', class: 'secondary', onclick: () => drawKeys(keysBox, s.id)}, 'Keys'), ' ',
          confirmButton('Delete', 'Confirm delete', async () => {
            try {
              await api('DELETE', path`/subscriptions/${s.id}`);
              await drawSubscriptions(box, keysBox);
            } catch (err) {
              fill(message, note('error', err.message));
            }
          })));
    })));
}

async function drawKeys(box, sub) {
  const list = (await api('GET', path`/subscriptions/${sub}/keys`)).keys;
  const secret = h('div');
  fill(box, h('h2', null, 'Keys of ', sub),
    h('button', {type: 'button', onclick: async () => {
      const k = await api('POST', path`/subscriptions/${sub}/keys`, {description: 'portal'});
      await drawKeys(box, sub);
      box.append(note('ok', 'New key (shown once, copy it now): ', h('code', {class: 'secret'}, k.key)));
    }}, 'Create a key'), secret,
    table(['Key', 'Description', 'Created', 'Revoked', ''], list.map(k => h('tr', null, h('td', {class: 'mono'}, k.id), h('td', null, k.description),
      h('td', null, when(k.created)), h('td', null, when(k.revoked)),
      h('td', null, k.revoked ? null : confirmButton('Revoke', 'Confirm revoke', async () => {
        await api('DELETE', path`/subscriptions/${sub}/keys/${k.id}`);
        await drawKeys(box, sub);
      }))))));
}

async function drawAudit(box) {
  const entries = (await api('GET', '/audit?limit=100')).entries;
  fill(box, h('h2', null, 'Audit log'), table(['When', 'Who', 'Subscription', 'Action', 'Target'], entries.map(e =>
    h('tr', null, h('td', null, when(e.at)), h('td', null, e.actor), h('td', null, e.subscriptionId), h('td', null, e.action), h('td', null, e.target)))));
}
