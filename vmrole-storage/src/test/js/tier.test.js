// Access tiers: Hot, Cool, Cold, Archive on block blobs; archived blobs refuse reads until rehydrated.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

test('a block blob moves between Hot, Cool and Cold and reports its tier', async () => {
  const c = env.blobs().getContainerClient(env.unique('tier'));
  await c.create();
  const b = c.getBlockBlobClient('b');
  await b.upload('data', 4);
  let p = await b.getProperties();
  assert.equal(p.accessTier, 'Hot');
  assert.equal(p.accessTierInferred, true);
  for (const tier of ['Cool', 'Cold', 'Hot']) {
    const set = await b.setAccessTier(tier);
    assert.equal(set._response.status, 200);
    p = await b.getProperties();
    assert.equal(p.accessTier, tier);
    assert.ok(!p.accessTierInferred);
    assert.ok(p.accessTierChangedOn instanceof Date);
  }
  const listed = [];
  for await (const item of c.listBlobsFlat()) listed.push(item.properties.accessTier);
  assert.deepEqual(listed, ['Hot']);
  const cool = c.getBlockBlobClient('cool');
  await cool.upload('x', 1, { tier: 'Cool' });
  assert.equal((await cool.getProperties()).accessTier, 'Cool');
  const bad = await fetch(`${b.url}?comp=tier&${env.accountSas()}`, { method: 'PUT', headers: { 'x-ms-access-tier': 'Lukewarm' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('x-ms-error-code'), 'InvalidHeaderValue');
  const page = c.getPageBlobClient('page');
  await page.create(512);
  await assert.rejects(page.setAccessTier('Cool'), (e) => e.statusCode === 400 && e.code === 'InvalidBlobTier');
});

test('an archived blob refuses reads with BlobArchived until it is rehydrated', async () => {
  const c = env.blobs().getContainerClient(env.unique('arch'));
  await c.create();
  const b = c.getBlockBlobClient('b');
  await b.upload('frozen', 6, { metadata: { k: 'v' } });
  assert.equal((await b.setAccessTier('Archive'))._response.status, 200);
  const props = await b.getProperties();
  assert.equal(props.accessTier, 'Archive');
  assert.equal(props.metadata.k, 'v');
  await assert.rejects(b.download(), (e) => e.statusCode === 409 && e.code === 'BlobArchived');
  await assert.rejects(b.setMetadata({ k: 'w' }), (e) => e.statusCode === 409 && e.code === 'BlobArchived');
  await assert.rejects(b.createSnapshot(), (e) => e.statusCode === 409 && e.code === 'BlobArchived');
  await assert.rejects(c.getBlockBlobClient('copy').syncCopyFromURL(b.url), (e) => e.statusCode === 409);

  const rehydrate = await b.setAccessTier('Hot');
  assert.equal(rehydrate._response.status, 202);
  const pending = await b.getProperties();
  assert.equal(pending.accessTier, 'Archive', 'a blob stays archived while it is rehydrated');
  assert.equal(pending.archiveStatus, 'rehydrate-pending-to-hot');
  assert.equal(pending.rehydratePriority, 'Standard');
  await assert.rejects(b.download(), (e) => e.statusCode === 409 && e.code === 'BlobArchived');
  await assert.rejects(b.setAccessTier('Cool'), (e) => e.statusCode === 409 && e.code === 'BlobBeingRehydrated');
  assert.equal((await b.setAccessTier('Hot', { rehydratePriority: 'High' }))._response.status, 202, 'the same target may be hurried');
  assert.equal((await b.getProperties()).rehydratePriority, 'High');
  let listed;
  for await (const item of c.listBlobsFlat()) listed = item.properties;
  assert.equal(listed.archiveStatus, 'rehydrate-pending-to-hot');
  const deadline = Date.now() + 60_000;
  let done;
  while (Date.now() < deadline && (done = await b.getProperties()).accessTier !== 'Hot') await new Promise((r) => setTimeout(r, 250));
  assert.equal(done.accessTier, 'Hot', 'a High priority rehydration finishes within seconds');
  assert.equal(done.archiveStatus, undefined);
  assert.equal((await b.downloadToBuffer()).toString(), 'frozen');

  await b.setAccessTier('Archive');
  await b.upload('fresh', 5);
  assert.equal((await b.downloadToBuffer()).toString(), 'fresh', 'an overwrite starts in the default tier');
});
