// Blob error precedence and upload checksums.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const env = require('./env');

async function newContainer() {
  const c = env.blobs().getContainerClient(env.unique('b'));
  await c.create();
  return c;
}

function rejectsWith(promise, status, code) {
  return assert.rejects(promise, (e) => {
    assert.equal(e.statusCode, status, e.message);
    assert.equal(e.code ?? e.details?.errorCode, code);
    return true;
  });
}

test('a missing blob is BlobNotFound even for an operation the service does not know', async () => {
  const c = await newContainer();
  const sas = env.accountSas();
  const missing = await fetch(`${c.url}/none?comp=nosuchcomp&${sas}`, { method: 'PUT' });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('x-ms-error-code'), 'BlobNotFound');
  await c.getBlockBlobClient('there').upload('x', 1);
  const unknown = await fetch(`${c.url}/there?comp=nosuchcomp&${sas}`, { method: 'PUT' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.headers.get('x-ms-error-code'), 'UnsupportedHttpVerb');
  const noContainer = await fetch(`${env.blobUrl}/nosuchcontainer${Date.now()}/b?comp=nosuchcomp&${sas}`, { method: 'PUT' });
  assert.equal(noContainer.headers.get('x-ms-error-code'), 'ContainerNotFound');
});

test('an operation for another blob type is InvalidBlobType', async () => {
  const c = await newContainer();
  await c.getBlockBlobClient('block').upload('0123456789', 10);
  await rejectsWith(c.getPageBlobClient('block').uploadPages(Buffer.alloc(512), 0, 512), 409, 'InvalidBlobType');
  await rejectsWith(c.getAppendBlobClient('block').appendBlock('x', 1), 409, 'InvalidBlobType');
  await rejectsWith(c.getPageBlobClient('block').getPageRanges(), 409, 'InvalidBlobType');
  await c.getPageBlobClient('page').create(1024);
  await rejectsWith(c.getBlockBlobClient('page').stageBlock(Buffer.from('b1').toString('base64'), 'x', 1), 409, 'InvalidBlobType');
  await rejectsWith(c.getBlockBlobClient('page').getBlockList('all'), 409, 'InvalidBlobType');
  await rejectsWith(c.getAppendBlobClient('none').appendBlock('x', 1), 404, 'BlobNotFound');
});

test('a malformed lease id is InvalidHeaderValue', async () => {
  const c = await newContainer();
  const b = c.getBlockBlobClient('b');
  await b.upload('x', 1);
  await rejectsWith(b.getBlobLeaseClient('not-a-guid').acquireLease(15), 400, 'InvalidHeaderValue');
  await rejectsWith(b.download(0, undefined, { conditions: { leaseId: 'nope' } }), 400, 'InvalidHeaderValue');
  await rejectsWith(c.getBlobLeaseClient('123').acquireLease(-1), 400, 'InvalidHeaderValue');
});

test('Put Block, Append Block and Put Page answer x-ms-content-crc64 and check what they are sent', async () => {
  const c = await newContainer();
  const data = Buffer.from('some block content');
  const md5 = crypto.createHash('md5').update(data).digest();
  const block = c.getBlockBlobClient('blk');
  const id = Buffer.from('id-1').toString('base64');

  const staged = await block.stageBlock(id, data, data.length);
  assert.equal(staged.xMsContentCrc64?.length, 8);
  const crc = staged.xMsContentCrc64;
  const again = await block.stageBlock(id, data, data.length, { transactionalContentCrc64: crc });
  assert.deepEqual(Buffer.from(again.xMsContentCrc64), Buffer.from(crc));
  const withMd5 = await block.stageBlock(id, data, data.length, { transactionalContentMD5: md5 });
  assert.deepEqual(Buffer.from(withMd5.contentMD5), md5);
  await rejectsWith(block.stageBlock(id, data, data.length, { transactionalContentMD5: crypto.createHash('md5').update('other').digest() }), 400, 'Md5Mismatch');
  await rejectsWith(block.stageBlock(id, data, data.length, { transactionalContentCrc64: new Uint8Array(8) }), 400, 'Crc64Mismatch');

  const append = c.getAppendBlobClient('app');
  await append.create();
  const appended = await append.appendBlock(data, data.length);
  assert.deepEqual(Buffer.from(appended.xMsContentCrc64), Buffer.from(crc));
  await rejectsWith(append.appendBlock(data, data.length, { transactionalContentCrc64: new Uint8Array(8) }), 400, 'Crc64Mismatch');

  const page = c.getPageBlobClient('pg');
  await page.create(1024);
  const pageData = Buffer.alloc(512, 7);
  const put = await page.uploadPages(pageData, 0, 512);
  assert.equal(put.xMsContentCrc64?.length, 8);
  await rejectsWith(page.uploadPages(pageData, 0, 512, { transactionalContentMD5: Buffer.alloc(16) }), 400, 'Md5Mismatch');
  assert.deepEqual((await page.downloadToBuffer(0, 512)), pageData);
});
