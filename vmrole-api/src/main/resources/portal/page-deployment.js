// One deployment: the instance grid by update domain and fault domain, updating live by polling; scale, rolling
// upgrade (auto, or manual one update domain at a time, with rollback), delete; reboot, reimage and console per instance.
import {ApiError, api} from './api.js';
import {confirmButton, fill, h, note, path, readText} from './dom.js';
import {stateBadge} from './page-home.js';
import {validationErrors} from './page-services.js';
import {failed, track} from './ops.js';

export async function deploymentPage(view, ctx, service, slot) {
  const base = path`/services/${service}/deployments/${slot}`;
  let d = await api('GET', base);
  const summary = h('div');
  const upgrade = h('div');
  const grid = h('div', {class: 'grid-wrap'});
  const consoleBox = h('div');
  const message = h('div');
  const act = async (label, call) => {
    try {
      const op = await call();
      await track(op, label);
    } catch (err) {
      fill(message, note('error', err.message));
      failed(label, err);
    }
  };
  let shown = '';
  const redraw = () => {
    // redrawn only when something changed, so buttons stay put under the pointer and the keyboard focus
    const now = JSON.stringify(d);
    if (now === shown) return;
    shown = now;
    drawSummary(summary, d);
    drawUpgrade(upgrade, d, base, act, service, slot);
    drawGrid(grid, d, base, act, consoleBox, service, slot);
  };
  fill(view, h('h1', null, h('a', {href: path`#/services/${service}`}, service), ' / ', slot),
    summary, message, h('section', {class: 'card'}, h('h2', null, 'Instances by update domain and fault domain'), grid), consoleBox,
    h('div', {class: 'columns'}, scaleCard(d, base, act, service, slot), upgradeCard(base, act, service, slot), upgrade),
    h('section', {class: 'card'}, h('h2', null, 'Delete'),
      h('p', null, 'Stops every instance and removes every disk overlay.'),
      confirmButton('Delete deployment', 'Confirm delete deployment', () => act('Delete ' + service + '/' + slot, () => api('DELETE', base)),
        {id: 'delete-deployment'})));
  redraw();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      await new Promise(r => setTimeout(r, 1000));
      if (stopped) return;
      try {
        d = await api('GET', base);
        redraw();
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          fill(summary, note('info', 'Not found: this deployment no longer exists (deleted). ', h('a', {href: path`#/services/${service}`}, 'Back to the service')));
          fill(grid);
          fill(upgrade);
          return;
        }
      }
    }
  };
  poll();
  ctx.onLeave(() => { stopped = true; });
}

function drawSummary(box, d) {
  const ready = d.instances.filter(i => i.state === 'ReadyRole').length;
  fill(box, h('section', {class: 'card summary'},
    h('p', null, 'Deployment ', h('span', {class: 'mono', id: 'deployment-id'}, d.id), ', version ', h('span', {id: 'deployment-version'}, d.version), ', ',
      d.upgradeDomainCount, ' upgrade domains', d.deleting ? ' — deleting' : ''),
    h('p', {id: 'ready-count'}, ready + ' of ' + d.instances.length + ' instances ready'),
    d.loadBalancer?.length ? h('ul', {class: 'endpoints'}, d.loadBalancer.map(e => h('li', null,
      e.role + '/' + e.endpoint + ' (' + e.protocol + ') at ' + e.address + ': ' + (e.inRotation?.length ?? 0) + ' in rotation'))) : null));
}

function drawGrid(box, d, base, act, consoleBox, service, slot) {
  const fds = [...new Set(d.instances.map(i => i.faultDomain))].sort((a, b) => a - b);
  const uds = [...Array(d.upgradeDomainCount).keys()].filter(u => d.instances.some(i => i.updateDomain === u));
  if (!d.instances.length) return fill(box, h('p', {class: 'muted'}, 'No instances.'));
  // redrawn every second: keep a keyboard user's focus on the same button
  const focused = box.contains(document.activeElement) ? document.activeElement : null;
  const refocus = focused && [focused.closest('[data-instance]')?.dataset.instance, focused.className];
  fill(box, h('table', {class: 'grid'},
    h('thead', null, h('tr', null, h('th', {scope: 'col'}, 'Update domain'), fds.map(f => h('th', {scope: 'col'}, 'Fault domain ' + f)))),
    h('tbody', null, uds.map(u => h('tr', null, h('th', {scope: 'row'}, 'UD ' + u), fds.map(f => h('td', null,
      d.instances.filter(i => i.updateDomain === u && i.faultDomain === f).map(i => instanceCard(i, base, act, consoleBox, service, slot)))))))));
  if (refocus) [...box.querySelectorAll('[data-instance] button')].find(b => b.closest('[data-instance]').dataset.instance === refocus[0] && b.className === refocus[1])?.focus();
}

function instanceCard(i, base, act, consoleBox, service, slot) {
  const at = path`/instances/${i.instance}`;
  return h('div', {class: 'instance', 'data-instance': i.instance, 'data-state': i.state, 'data-incarnation': i.incarnation},
    h('div', {class: 'instance-name'}, i.instance), stateBadge(i.state),
    h('div', {class: 'muted small'}, (i.host ?? 'unplaced') + ' · incarnation ' + i.incarnation),
    i.message || i.waitingReason ? h('div', {class: 'small'}, i.message ?? i.waitingReason) : null,
    h('div', {class: 'instance-actions'},
      h('button', {type: 'button', class: 'secondary small reboot', 'aria-label': 'Reboot ' + i.instance, onclick: () => act('Reboot ' + i.instance, () => api('POST', base + at + '/reboot'))}, 'Reboot'),
      h('button', {type: 'button', class: 'secondary small reimage', 'aria-label': 'Reimage ' + i.instance, onclick: () => act('Reimage ' + i.instance, () => api('POST', base + at + '/reimage'))}, 'Reimage'),
      h('button', {type: 'button', class: 'secondary small console', 'aria-label': 'Console ' + i.instance, onclick: () => showConsole(consoleBox, base + at + '/console', i.instance)}, 'Console')));
}

async function showConsole(box, url, instance) {
  const pre = h('pre', {class: 'console', id: 'console-text', tabindex: 0}, 'loading…');
  fill(box, h('section', {class: 'card'}, h('h2', null, 'Console of ', instance),
    h('button', {type: 'button', class: 'secondary', onclick: () => fill(box)}, 'Close'), pre));
  try {
    pre.textContent = await api('GET', url + '?bytes=16384');
    pre.scrollTop = pre.scrollHeight;
  } catch (e) {
    pre.textContent = e.message;
  }
}

function scaleCard(d, base, act, service, slot) {
  return h('section', {class: 'card'}, h('h2', null, 'Scale'), d.roles.map(r => {
    const count = h('input', {type: 'number', min: 0, max: 100, value: r.instanceCount, id: 'scale-' + r.name, class: 'count'});
    const form = h('form', {class: 'row scale', 'data-role': r.name}, h('label', {for: 'scale-' + r.name}, r.name + ' (' + r.size + ')'), count,
      h('button', {type: 'submit'}, 'Scale'));
    form.addEventListener('submit', e => {
      e.preventDefault();
      act('Scale ' + r.name + ' to ' + count.value, () => api('POST', base + path`/roles/${r.name}/scale`, {count: Number(count.value)}));
    });
    return form;
  }));
}

function upgradeCard(base, act, service, slot) {
  const cfg = h('input', {id: 'upgrade-cscfg', type: 'file', accept: '.cscfg,.xml'});
  const mode = h('select', {id: 'upgrade-mode'}, h('option', {value: 'auto'}, 'auto: every update domain in turn'),
    h('option', {value: 'manual'}, 'manual: walk each update domain'));
  const image = h('input', {id: 'upgrade-image', type: 'text', placeholder: '(as in the configuration)'});
  const errors = h('div');
  const form = h('form', {class: 'card', id: 'upgrade-form'}, h('h2', null, 'Change configuration'),
    h('label', {for: 'upgrade-cscfg'}, 'New service configuration (.cscfg)'), cfg,
    h('label', {for: 'upgrade-mode'}, 'Upgrade mode'), mode,
    h('label', {for: 'upgrade-image'}, 'Image for every role (optional)'), image,
    h('button', {type: 'submit'}, 'Start rolling upgrade'), errors);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const c = await readText(cfg);
    if (!c) return fill(errors, note('error', 'choose the new .cscfg file'));
    fill(errors);
    try {
      const op = await api('POST', base + '/upgrade', {configuration: c.text, configurationName: c.name, mode: mode.value, image: image.value || null});
      track(op, 'Upgrade ' + service + '/' + slot);
    } catch (err) {
      fill(errors, err.code === 'InvalidService' ? validationErrors(err.message, [c]) : note('error', err.message));
    }
  });
  return form;
}

function drawUpgrade(box, d, base, act, service, slot) {
  const u = d.upgrade;
  if (!u) return fill(box);
  const next = u.pendingDomains?.[0];
  fill(box, h('section', {class: 'card', id: 'upgrade-state'}, h('h2', null, u.rollback ? 'Rollback' : 'Upgrade', ' to version ', u.targetVersion),
    h('p', null, 'Mode ', u.mode, ', ', stateBadge(u.state), u.currentDomain >= 0 ? ', update domain ' + u.currentDomain + ' in flight' : ''),
    h('p', null, 'Walked: ', (u.walkedDomains ?? []).join(', ') || 'none', '; pending: ', (u.pendingDomains ?? []).join(', ') || 'none'),
    u.reason ? note('info', u.reason) : null,
    h('div', {class: 'row'},
      u.mode === 'manual' && u.state === 'Waiting' && next != null ? h('button', {type: 'button', id: 'walk-next', onclick: () =>
        act('Walk update domain ' + next, () => api('POST', base + '/upgrade/walk', {domain: next}))}, 'Walk next update domain (' + next + ')') : null, ' ',
      u.rollback ? null : h('button', {type: 'button', class: 'secondary', id: 'rollback', onclick: () =>
        act('Roll back ' + service + '/' + slot, () => api('POST', base + '/upgrade/rollback'))}, 'Roll back'))));
}

