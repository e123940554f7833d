// The portal's shell: sign-in, navigation and hash routing. Pages render with DOM APIs only (see dom.js).
import {ApiError, session} from './api.js';
import {fill, h, note} from './dom.js';
import {homePage} from './page-home.js';
import {betaPage} from './page-beta.js';
import {imagesPage} from './page-images.js';
import {servicesPage, servicePage} from './page-services.js';
import {deploymentPage} from './page-deployment.js';
import {adminPage} from './page-admin.js';

// [pattern, page, who may open it]
const routes = [
  [/^#\/home$/, homePage],
  [/^#\/beta$/, betaPage],
  [/^#\/images$/, imagesPage, 'tenant'],
  [/^#\/services$/, servicesPage, 'tenant'],
  [/^#\/services\/([^/]+)$/, servicePage, 'tenant'],
  [/^#\/services\/([^/]+)\/([^/]+)$/, deploymentPage, 'tenant'],
  [/^#\/admin$/, adminPage, 'admin'],
];

// [link, label, who sees it]
const sections = [
  ['#/home', 'Home'], ['#/beta', 'Beta Programs'], ['#/images', 'Images', 'tenant'],
  ['#/services', 'Hosted Services', 'tenant'], ['#/admin', 'Administrator', 'admin'],
];

const main = document.getElementById('main');
let leaving = [];

/** What a page gets: who is signed in, and a place to register what stops when the user leaves the page. */
function context(me) {
  return {me, onLeave: fn => leaving.push(fn), rerender: () => render()};
}

/** Counts renders: one that waited while a later navigation started its own leaves the page to that one. */
let renders = 0;

async function render() {
  const mine = ++renders;
  leaving.forEach(fn => fn());
  leaving = [];
  const me = await session.whoami().catch(() => null);
  // without this, a slow render for the page left behind drew the new page a second time, replacing what the user
  // had already started on it (a delete button armed for confirmation lost its state)
  if (mine !== renders) return;
  if (!me) return signIn();
  const hash = location.hash || '#/home';
  drawChrome(me, hash);
  for (const [pattern, page, only] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    if (only === 'admin' && !me.administrator) return show(h('h1', null, 'Not found'), note('error', 'This page is for the administrator.'));
    if (only === 'tenant' && me.administrator) return show(h('h1', null, 'Not found'), note('error', 'The administrator has no subscription of its own; sign in with a subscription key.'));
    const view = h('div', {class: 'page'});
    show(view);
    try {
      await page(view, context(me), ...m.slice(1).map(decodeURIComponent));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        // the key was revoked while this tab used it: back to sign-in
        session.signOut();
        return signIn('Your key is no longer accepted (' + e.message + '). Sign in again.');
      }
      fill(view, h('h1', null, e instanceof ApiError && e.status === 404 ? 'Not found' : 'Something went wrong'),
        note('error', e instanceof ApiError && e.status === 404 ? 'Not found: ' + e.message : e.message));
    }
    return;
  }
  show(h('h1', null, 'Not found'), note('error', 'Not found: no page ' + hash));
}

function show(...nodes) {
  fill(main, ...nodes);
  main.focus({preventScroll: true});
}

function drawChrome(me, hash) {
  fill(document.getElementById('who'),
    h('span', {id: 'signed-in-as'}, me.administrator ? 'Administrator' : 'Subscription ' + me.subscription), ' ',
    h('button', {type: 'button', id: 'sign-out', class: 'secondary', onclick: () => { session.signOut(); location.hash = '#/home'; render(); }}, 'Sign out'));
  const links = sections.filter(([, , only]) => !only || (only === 'admin') === me.administrator)
    .map(([target, label]) => {
      const current = hash === target || (target !== '#/home' && hash.startsWith(target));
      return h('a', {href: target, 'aria-current': current ? 'page' : null}, label);
    });
  fill(document.getElementById('nav'), links);
}

function signIn(why) {
  fill(document.getElementById('who'));
  fill(document.getElementById('nav'));
  const key = h('input', {id: 'api-key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'key-help'});
  const message = h('div', null, why ? note('error', why) : null);
  const form = h('form', {class: 'card narrow', id: 'sign-in'},
    h('h1', null, 'Sign in'),
    h('label', {for: 'api-key'}, 'API key'), key,
    h('p', {id: 'key-help', class: 'muted'}, 'A subscription key (./vmrole key create) or the administrator key. ',
      'It is kept in this browser tab only and forgotten when you sign out or close the tab.'),
    h('button', {type: 'submit'}, 'Sign in'), message);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      await session.signIn(key.value.trim());
      render();
    } catch (err) {
      fill(message, note('error', err.status === 401 ? 'That key is unknown or revoked.' : err.message));
    }
  });
  show(form);
  key.focus();
}

window.addEventListener('hashchange', render);
render();
