// Images: list, a resumable browser upload (the CLI's upload API, SHA-256 computed here and verified by the
// server), and delete (refused while a deployment uses the image, with the deployments named).
import {api, send} from './api.js';
import {bytes, confirmButton, fill, h, note, path, table, when} from './dom.js';
import {Sha256} from './sha256.js';

const CHUNK = 8 << 20;

/** Uploads this browser started and did not finish, kept across tabs so a closed tab can be resumed. */
const pending = {
  key: sub => 'vmrole.uploads.' + sub,
  all: sub => JSON.parse(localStorage.getItem(pending.key(sub)) ?? '[]'),
  save(sub, list) { localStorage.setItem(pending.key(sub), JSON.stringify(list)); },
  add(sub, u) { pending.save(sub, [...pending.all(sub).filter(x => x.uploadId !== u.uploadId), u]); },
  remove(sub, id) { pending.save(sub, pending.all(sub).filter(x => x.uploadId !== id)); },
};

export async function imagesPage(view, ctx) {
  const sub = ctx.me.subscription;
  const list = h('div');
  const resumable = h('div');
  // interrupted uploads are drawn above the list, so first: drawn after it, they pushed the list down under a
  // pointer about to click one of its buttons (a browser test's click landed beside the Delete button it aimed at)
  const refresh = async () => {
    await drawPending(resumable, sub, refresh);
    await drawImages(list);
  };
  fill(view, h('h1', null, 'Images'), uploadForm(sub, refresh), resumable, h('section', {class: 'card'}, h('h2', null, 'Your images'), list));
  await refresh();
}

async function drawImages(list) {
  const images = (await api('GET', '/images')).images;
  const message = h('div');
  fill(list, message, table(['Name', 'Format in', 'Virtual size', 'Stored', 'SHA-256', 'Created', ''], images.map(i =>
    h('tr', {'data-image': i.name}, h('td', null, i.name), h('td', null, i.originalFormat), h('td', null, bytes(i.virtualSize)),
      h('td', null, bytes(i.actualSize)), h('td', {class: 'mono', title: i.digest}, (i.digest ?? '').slice(0, 19) + '…'), h('td', null, when(i.created)),
      h('td', null, confirmButton('Delete', 'Confirm delete', async () => {
        try {
          await api('DELETE', path`/images/${i.name}`);
          await drawImages(list);
        } catch (e) {
          fill(message, note('error', 'Cannot delete ' + i.name + ': ' + e.message));
        }
      }, {'aria-label': 'Delete image ' + i.name}))))));
}

function uploadForm(sub, refresh) {
  const name = h('input', {id: 'image-name', type: 'text', required: true, placeholder: 'web-v1'});
  const file = h('input', {id: 'image-file', type: 'file', required: true});
  const progress = progressBar('upload-progress');
  const form = h('form', {class: 'card', id: 'upload-form'}, h('h2', null, 'Upload an image'),
    h('p', {class: 'muted'}, 'VHD, VHDX, qcow2 or raw. An interrupted upload resumes where it stopped: open this page again and choose the same file.'),
    h('div', {class: 'row'}, h('label', {for: 'image-name'}, 'Name'), name, h('label', {for: 'image-file'}, 'File'), file,
      h('button', {type: 'submit'}, 'Upload')), progress.el);
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return progress.fail('choose a file first');
    try {
      const started = await api('POST', '/images/uploads', {name: name.value});
      const u = {uploadId: started.uploadId, name: name.value, file: f.name, size: f.size};
      pending.add(sub, u);
      await upload(sub, u, f, progress);
      form.reset();
      await refresh();
    } catch (err) {
      progress.fail(err.message);
    }
  });
  return form;
}

async function drawPending(box, sub, refresh) {
  const rows = [];
  for (const u of pending.all(sub)) {
    let received;
    try {
      received = (await api('GET', path`/images/uploads/${u.uploadId}`)).received;
    } catch {
      pending.remove(sub, u.uploadId); // finished or abandoned elsewhere
      continue;
    }
    const id = 'resume-' + u.uploadId;
    const file = h('input', {id, type: 'file', class: 'resume-file'});
    const progress = progressBar('resume-progress-' + u.uploadId, received, u.size);
    rows.push(h('div', {class: 'pending-upload', 'data-upload': u.uploadId, 'data-name': u.name},
      h('p', null, h('strong', null, u.name), ' from ', u.file, ': ', bytes(received), ' of ', bytes(u.size), ' arrived.'),
      h('div', {class: 'row'}, h('label', {for: id}, 'Choose ' + u.file + ' again'), file,
        h('button', {type: 'button', class: 'resume', onclick: async () => {
          const f = file.files[0];
          if (!f) return progress.fail('choose ' + u.file + ' again to resume');
          if (f.size !== u.size) return progress.fail('that file has ' + f.size + ' bytes; the upload was started with ' + u.size);
          try {
            await upload(sub, u, f, progress);
            await refresh();
          } catch (err) {
            progress.fail(err.message);
          }
        }}, 'Resume'), ' ',
        confirmButton('Abandon', 'Confirm abandon', async () => {
          await api('DELETE', path`/images/uploads/${u.uploadId}`).catch(() => {});
          pending.remove(sub, u.uploadId);
          await refresh();
        })), progress.el));
  }
  fill(box, rows.length ? h('section', {class: 'card', id: 'pending-uploads'}, h('h2', null, 'Interrupted uploads'), rows) : null);
}

/** Sends the file from where the server says it stopped, hashing all of it on the way; then commits with the SHA-256. */
async function upload(sub, u, f, progress) {
  let received = (await api('GET', path`/images/uploads/${u.uploadId}`)).received;
  const hash = new Sha256();
  progress.set(received, f.size, 'uploading');
  for (let off = 0; off < f.size; off += CHUNK) {
    const end = Math.min(f.size, off + CHUNK);
    hash.update(new Uint8Array(await f.slice(off, end).arrayBuffer()));
    if (end <= received) continue;
    const from = Math.max(off, received);
    const answer = await send('PUT', path`/images/uploads/${u.uploadId}` + '?offset=' + from, f.slice(from, end),
      loaded => progress.set(from + loaded, f.size, 'uploading'));
    received = answer.received;
    progress.set(received, f.size, 'uploading');
  }
  progress.set(f.size, f.size, 'verifying SHA-256 and converting…');
  const image = await api('POST', path`/images/uploads/${u.uploadId}/commit`, {sha256: hash.hex()});
  pending.remove(sub, u.uploadId);
  progress.done('uploaded ' + image.name + ' (' + bytes(image.actualSize) + ' stored, SHA-256 verified)');
  return image;
}

function progressBar(id, value = 0, max = 1) {
  const bar = h('progress', {id, max, value, 'aria-label': 'Upload progress'});
  const text = h('span', {class: 'progress-text', role: 'status'});
  return {
    el: h('div', {class: 'progress'}, bar, ' ', text),
    set(v, m, what) {
      bar.max = m;
      bar.value = v;
      text.textContent = what + ' ' + Math.floor((100 * v) / Math.max(1, m)) + '% (' + bytes(v) + ' of ' + bytes(m) + ')';
    },
    done(msg) { text.textContent = msg; text.className = 'progress-text ok'; },
    fail(msg) { text.textContent = 'upload stopped: ' + msg; text.className = 'progress-text error'; },
  };
}
