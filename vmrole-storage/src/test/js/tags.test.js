// Blob index tags (set, get, on upload, listed, found by tags, as conditions) and sealed append blobs.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

test('tags set on a blob are read back, counted and listed', async () => {
  const c = env.blobs().getContainerClient(env.unique('tags'));
  await c.create();
  const b = c.getBlockBlobClient('b');
  await b.upload('data', 4, { tags: { project: 'alpha', 'stage/env': 'prod 1' } });
  assert.deepEqual((await b.getTags()).tags, { project: 'alpha', 'stage/env': 'prod 1' });
  assert.equal((await b.getProperties()).tagCount, 2);
  assert.equal((await b.setTags({ project: 'beta' }))._response.status, 204);
  assert.deepEqual((await b.getTags()).tags, { project: 'beta' });
  const items = [];
  for await (const item of c.listBlobsFlat({ includeTags: true })) items.push(item);
  assert.deepEqual(items[0].tags, { project: 'beta' });
  assert.equal(items[0].properties.tagCount, 1);
  await b.upload('again', 5);
  assert.deepEqual((await b.getTags()).tags, {}, 'an overwrite without tags clears them');
});

test('invalid tags are refused with InvalidTag and change nothing', async () => {
  const c = env.blobs().getContainerClient(env.unique('badtags'));
  await c.create();
  const b = c.getBlockBlobClient('b');
  await b.upload('x', 1, { tags: { keep: 'me' } });
  const eleven = Object.fromEntries([...Array(11).keys()].map((i) => ['k' + i, 'v']));
  await assert.rejects(b.setTags(eleven), (e) => e.statusCode === 400 && e.code === 'InvalidTag');
  await assert.rejects(b.setTags({ 'bad*key': 'v' }), (e) => e.statusCode === 400 && e.code === 'InvalidTag');
  await assert.rejects(b.setTags({ k: 'x'.repeat(257) }), (e) => e.statusCode === 400 && e.code === 'InvalidTag');
  assert.deepEqual((await b.getTags()).tags, { keep: 'me' });
});

test('blobs are found by their tags across containers and within one', async () => {
  const svc = env.blobs();
  const team = env.unique('t');
  const c1 = svc.getContainerClient(env.unique('find'));
  const c2 = svc.getContainerClient(env.unique('find'));
  await c1.create();
  await c2.create();
  await c1.getBlockBlobClient('a').upload('a', 1, { tags: { team, size: '010' } });
  await c2.getBlockBlobClient('b').upload('b', 1, { tags: { team, size: '200' } });
  await c2.getBlockBlobClient('c').upload('c', 1, { tags: { team: 'other', size: '300' } });
  const found = [];
  for await (const blob of svc.findBlobsByTags(`"team"='${team}'`)) found.push(`${blob.containerName}/${blob.name}`);
  assert.deepEqual(found.sort(), [`${c1.containerName}/a`, `${c2.containerName}/b`].sort());
  const bigger = [];
  for await (const blob of svc.findBlobsByTags(`"team"='${team}' AND "size" >= '100'`)) bigger.push(blob);
  assert.equal(bigger.length, 1);
  assert.equal(bigger[0].name, 'b');
  assert.deepEqual(bigger[0].tags, { team, size: '200' });
  const inC2 = [];
  for await (const blob of c2.findBlobsByTags(`"size" > '0'`)) inC2.push(blob.name);
  assert.deepEqual(inC2, ['b', 'c']);
  const byContainer = [];
  for await (const blob of svc.findBlobsByTags(`@container='${c1.containerName}' AND "team"='${team}'`)) byContainer.push(blob.name);
  assert.deepEqual(byContainer, ['a']);
  const paged = [];
  for await (const page of c2.findBlobsByTags(`"size" > '0'`).byPage({ maxPageSize: 1 })) paged.push(page.blobs.map((x) => x.name));
  assert.deepEqual(paged.filter((p) => p.length).flat(), ['b', 'c']);
  await assert.rejects(async () => { for await (const _ of svc.findBlobsByTags(`"team" = '${team}' OR "size"='1'`)) { /* none */ } },
    (e) => e.statusCode === 400);
});

test('x-ms-if-tags makes reads and writes conditional on the blob\'s tags', async () => {
  const c = env.blobs().getContainerClient(env.unique('iftags'));
  await c.create();
  const b = c.getBlockBlobClient('b');
  await b.upload('data', 4, { tags: { state: 'ready' } });
  const ok = await b.downloadToBuffer(0, undefined, { conditions: { tagConditions: `"state" = 'ready'` } });
  assert.equal(ok.toString(), 'data');
  await assert.rejects(b.download(0, undefined, { conditions: { tagConditions: `"state" = 'done'` } }),
    (e) => e.statusCode === 412 && e.code === 'ConditionNotMet');
  await assert.rejects(b.setTags({ state: 'x' }, { conditions: { tagConditions: `"state" <> 'ready'` } }),
    (e) => e.statusCode === 412);
  assert.deepEqual((await b.getTags()).tags, { state: 'ready' });
});

test('a sealed append blob refuses appends and says it is sealed', async () => {
  const c = env.blobs().getContainerClient(env.unique('seal'));
  await c.create();
  const a = c.getAppendBlobClient('log');
  await a.create();
  await a.appendBlock('line 1\n', 7);
  assert.equal((await a.getProperties()).isSealed, false);
  const sealed = await a.seal();
  assert.equal(sealed._response.status, 200);
  assert.equal(sealed.isSealed, true);
  assert.equal((await a.getProperties()).isSealed, true);
  await assert.rejects(a.appendBlock('line 2\n', 7), (e) => e.statusCode === 409 && e.code === 'BlobIsSealed');
  assert.equal((await a.downloadToBuffer()).toString(), 'line 1\n');
  let listed;
  for await (const item of c.listBlobsFlat()) listed = item.properties;
  assert.equal(listed.isSealed, true);
  await assert.rejects(c.getBlockBlobClient('block').upload('x', 1).then(() => c.getAppendBlobClient('block').seal()),
    (e) => e.statusCode === 409);
});
