// Blob batch: Delete Blob and Set Blob Tier sub-requests, each answered on its own.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

async function containerWith(names) {
  const c = env.blobs().getContainerClient(env.unique('batch'));
  await c.create();
  for (const n of names) await c.getBlockBlobClient(n).upload(n, n.length);
  return c;
}

async function names(c) {
  const out = [];
  for await (const b of c.listBlobsFlat()) out.push(b.name);
  return out;
}

test('a service batch deletes blobs and reports a missing one by itself', async () => {
  const c = await containerWith(['a', 'b', 'keep']);
  const result = await env.blobs().getBlobBatchClient().deleteBlobs([c.getBlobClient('a'), c.getBlobClient('b'), c.getBlobClient('none')]);
  assert.equal(result._response.status, 202);
  assert.equal(result.subResponsesSucceededCount, 2);
  assert.equal(result.subResponsesFailedCount, 1);
  assert.deepEqual(result.subResponses.map((s) => s.status), [202, 202, 404]);
  assert.equal(result.subResponses[2].errorCode, 'BlobNotFound');
  assert.deepEqual(await names(c), ['keep']);
});

test('a container batch sets tiers', async () => {
  const c = await containerWith(['x', 'y']);
  const result = await c.getBlobBatchClient().setBlobsAccessTier([c.getBlobClient('x'), c.getBlobClient('y')], 'Cool');
  assert.equal(result.subResponsesSucceededCount, 2);
  assert.deepEqual(result.subResponses.map((s) => s.status), [200, 200]);
  assert.equal((await c.getBlobClient('x').getProperties()).accessTier, 'Cool');
});

test('a batch sub-request outside the container, or of another API, is refused', async () => {
  const c = await containerWith(['x']);
  const other = await containerWith(['y']);
  let refused;
  try {
    refused = (await c.getBlobBatchClient().deleteBlobs([other.getBlobClient('y')])).subResponsesSucceededCount === 0;
  } catch {
    refused = true;
  }
  assert.ok(refused, 'a container batch may not touch another container');
  assert.deepEqual(await names(other), ['y']);

  const boundary = 'batch_test';
  const body = [`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', 'Content-ID: 0', '',
    `DELETE /${env.account}/${c.containerName}/x HTTP/1.1`, 'Content-Length: 0', '',
    `--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', 'Content-ID: 1', '',
    `PUT /${env.account}/${c.containerName}/x?comp=tier HTTP/1.1`, 'x-ms-access-tier: Cool', 'Content-Length: 0', '',
    `--${boundary}--`, ''].join('\r\n');
  const r = await fetch(`${env.blobUrl}/?comp=batch&${env.accountSas()}`,
    { method: 'POST', headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}` }, body });
  const text = await r.text();
  assert.equal(r.status, 202);
  assert.match(text, /AllBatchSubRequestsShouldBeSameApi/);
  assert.deepEqual(await names(c), ['x']);
});
