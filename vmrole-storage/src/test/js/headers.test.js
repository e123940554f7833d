// Headers Azure puts on every response, errors included.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

function assertStamped(headers, clientRequestId) {
  assert.equal(headers.get('x-ms-client-request-id'), clientRequestId);
  assert.match(headers.get('x-ms-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.match(headers.get('x-ms-version') ?? '', /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(!Number.isNaN(Date.parse(headers.get('date'))), 'Date header');
}

async function call(url, init, id) {
  const r = await fetch(url, { ...init, headers: { ...(init?.headers ?? {}), 'x-ms-client-request-id': id, 'x-ms-version': '2021-12-02' } });
  await r.arrayBuffer();
  return r;
}

test('blob, queue and table echo x-ms-client-request-id on success and on error', async () => {
  const sas = env.accountSas();
  const ok = await call(`${env.blobUrl}?comp=list&${sas}`, {}, 'blob-ok');
  assert.equal(ok.status, 200);
  assertStamped(ok.headers, 'blob-ok');
  const missing = await call(`${env.blobUrl}/nosuchcontainer/blob?${sas}`, {}, 'blob-404');
  assert.equal(missing.status, 404);
  assertStamped(missing.headers, 'blob-404');
  const queue = await call(`${env.queueUrl}/nosuchqueue/messages?${sas}`, {}, 'queue-404');
  assert.equal(queue.status, 404);
  assertStamped(queue.headers, 'queue-404');
  const table = await call(`${env.tableUrl}/Tables?${sas}`, { headers: { Accept: 'application/json;odata=nometadata' } }, 'table-ok');
  assert.equal(table.status, 200);
  assertStamped(table.headers, 'table-ok');
  const unauthenticated = await call(`${env.tableUrl}/Tables`, {}, 'table-403');
  assert.equal(unauthenticated.status, 403);
  assertStamped(unauthenticated.headers, 'table-403');
});

test('the SDKs see their own request id in every response', async () => {
  const container = env.blobs().getContainerClient(env.unique('rid'));
  const created = await container.create({ requestId: undefined });
  assert.ok(created.clientRequestId);
  assert.ok(created.requestId);
  assert.ok(created.etag);
  assert.ok(created.lastModified instanceof Date);
  assert.ok(created.date instanceof Date);
  const props = await container.getBlockBlobClient('b').upload('x', 1);
  assert.ok(props.etag && props.lastModified && props.clientRequestId && props.version);
  await assert.rejects(container.getBlobClient('none').getProperties(), (e) => {
    assert.equal(e.statusCode, 404);
    assert.ok(e.response.headers.get('x-ms-client-request-id'));
    assert.equal(e.response.headers.get('x-ms-error-code'), 'BlobNotFound');
    return true;
  });
});
