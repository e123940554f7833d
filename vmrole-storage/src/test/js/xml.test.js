// Every XML body is parsed as XML: character references, CDATA, namespaces, non-ASCII; DTDs refused.
// (The JavaScript SDK itself drops \n and turns \r into \n in message text, so line ends are checked on the wire.)
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

const tricky = 'line1 line2 <b>&amp;</b> "quoted" \'single\' é ü 中文 😀 \t tab ]]> end';

test('a queue message with markup and non-ASCII text comes back exactly', async () => {
  const queue = env.queues().getQueueClient(env.unique('xml'));
  await queue.create();
  await queue.sendMessage(tricky);
  const peeked = await queue.peekMessages();
  assert.equal(peeked.peekedMessageItems[0].messageText, tricky);
  const got = await queue.receiveMessages();
  assert.equal(got.receivedMessageItems[0].messageText, tricky);
});

test('a raw queue message with &#13;, CDATA and a namespace is read as XML', async () => {
  const name = env.unique('raw');
  await env.queues().getQueueClient(name).create();
  const body = '<?xml version="1.0" encoding="utf-8"?><QueueMessage xmlns:x="urn:x">'
    + '<MessageText>a&#13;b<![CDATA[<c> & d]]>&#xE9;&lt;</MessageText></QueueMessage>';
  const put = await fetch(`${env.queueUrl}/${name}/messages?${env.accountSas()}`, { method: 'POST', body });
  assert.equal(put.status, 201, await put.text());
  // the JavaScript SDK's own XML parser turns \r into \n, so the wire is checked: \r is kept, never escaped away
  const got = await fetch(`${env.queueUrl}/${name}/messages?peekonly=true&${env.accountSas()}`);
  const xml = await got.text();
  assert.match(xml, /<MessageText>a\rb&lt;c> &amp; dé&lt;<\/MessageText>/);
});

test('a message sent with a literal \\r\\n keeps both characters', async () => {
  const name = env.unique('crlf');
  await env.queues().getQueueClient(name).create();
  const body = '<QueueMessage><MessageText>a\r\nb</MessageText></QueueMessage>';
  assert.equal((await fetch(`${env.queueUrl}/${name}/messages?${env.accountSas()}`, { method: 'POST', body })).status, 201);
  const got = await fetch(`${env.queueUrl}/${name}/messages?peekonly=true&${env.accountSas()}`);
  assert.match(await got.text(), /<MessageText>a\r\nb<\/MessageText>/);
});

test('a message holding a character XML cannot carry is refused with InvalidXmlDocument', async () => {
  const name = env.unique('bad');
  await env.queues().getQueueClient(name).create();
  const body = '<QueueMessage><MessageText>bell&#x1;</MessageText></QueueMessage>';
  const put = await fetch(`${env.queueUrl}/${name}/messages?${env.accountSas()}`, { method: 'POST', body });
  assert.equal(put.status, 400);
  assert.equal(put.headers.get('x-ms-error-code'), 'InvalidXmlDocument');
});

test('a document type declaration is refused, so no entity can expand', async () => {
  const name = env.unique('dtd');
  await env.queues().getQueueClient(name).create();
  const body = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "boom">]><QueueMessage><MessageText>&x;</MessageText></QueueMessage>';
  const put = await fetch(`${env.queueUrl}/${name}/messages?${env.accountSas()}`, { method: 'POST', body });
  assert.equal(put.status, 400);
  assert.equal(put.headers.get('x-ms-error-code'), 'InvalidXmlDocument');
});

test('a block list with a namespace, CDATA and character references commits the named blocks', async () => {
  const container = env.blobs().getContainerClient(env.unique('xml'));
  await container.create();
  const blob = container.getBlockBlobClient('b');
  const id1 = Buffer.from('block-1').toString('base64');
  const id2 = Buffer.from('block-2').toString('base64');
  await blob.stageBlock(id1, Buffer.from('hello '), 6);
  await blob.stageBlock(id2, Buffer.from('world'), 5);
  const body = `<?xml version="1.0" encoding="utf-8"?><BlockList xmlns="urn:any"><Latest><![CDATA[${id1}]]></Latest>`
    + `<Uncommitted>${id2.replace(/=/g, '&#61;')}</Uncommitted></BlockList>`;
  const put = await fetch(`${blob.url}?comp=blocklist&${env.accountSas()}`, { method: 'PUT', body });
  assert.equal(put.status, 201, await put.text());
  assert.equal((await blob.downloadToBuffer()).toString(), 'hello world');
  const list = await blob.getBlockList('all');
  assert.deepEqual(list.committedBlocks.map((b) => b.name), [id1, id2]);
});

test('malformed XML in a block list is InvalidXmlDocument, never a 500', async () => {
  const container = env.blobs().getContainerClient(env.unique('bad'));
  await container.create();
  const put = await fetch(`${container.url}/b?comp=blocklist&${env.accountSas()}`, { method: 'PUT', body: '<BlockList><Latest>x</Latest>' });
  assert.equal(put.status, 400);
  assert.equal(put.headers.get('x-ms-error-code'), 'InvalidXmlDocument');
});

test('signed identifiers round-trip through Set/Get ACL on containers and queues', async () => {
  const start = new Date('2030-01-01T00:00:00Z');
  const expiry = new Date('2030-01-02T00:00:00Z');
  const container = env.blobs().getContainerClient(env.unique('acl'));
  await container.create();
  await container.setAccessPolicy(undefined, [
    { id: 'read-<&>', accessPolicy: { startsOn: start, expiresOn: expiry, permissions: 'r' } },
    { id: 'write', accessPolicy: { permissions: 'rw' } },
  ]);
  const acl = await container.getAccessPolicy();
  assert.deepEqual(acl.signedIdentifiers.map((s) => s.id), ['read-<&>', 'write']);
  assert.equal(acl.signedIdentifiers[0].accessPolicy.permissions, 'r');
  assert.equal(acl.signedIdentifiers[0].accessPolicy.expiresOn.getTime(), expiry.getTime());

  const queue = env.queues().getQueueClient(env.unique('acl'));
  await queue.create();
  await queue.setAccessPolicy([{ id: 'q1', accessPolicy: { permissions: 'raup', startsOn: start, expiresOn: expiry } }]);
  const qacl = await queue.getAccessPolicy();
  assert.equal(qacl.signedIdentifiers[0].id, 'q1');
  assert.equal(qacl.signedIdentifiers[0].accessPolicy.permissions, 'raup');
});
