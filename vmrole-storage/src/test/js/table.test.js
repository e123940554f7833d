// Table REST details as Azure answers them: Edm.DateTime, metadata levels, ETags, Prefer, errors, queries, batches.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

async function newTable() {
  const name = env.unique('t');
  await env.tableService().createTable(name);
  return { name, client: env.table(name) };
}

async function raw(path, init = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const r = await fetch(`${env.tableUrl}/${path}${sep}${env.accountSas()}`, {
    ...init, headers: { 'x-ms-version': '2020-12-06', 'DataServiceVersion': '3.0', ...(init.headers ?? {}) } });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

const json = (accept) => ({ Accept: accept, 'Content-Type': 'application/json' });

test('Edm.DateTime in any ISO-8601 form comes back with 7 fractional digits', async () => {
  const { name } = await newTable();
  const forms = {
    plain: ['2023-01-01T01:02:03Z', '2023-01-01T01:02:03.0000000Z'],
    millis: ['2023-01-01T01:02:03.120Z', '2023-01-01T01:02:03.1200000Z'],
    one: ['2023-01-01T01:02:03.1Z', '2023-01-01T01:02:03.1000000Z'],
    seven: ['2023-01-01T01:02:03.1234567Z', '2023-01-01T01:02:03.1234567Z'],
    nine: ['2023-01-01T01:02:03.123456789Z', '2023-01-01T01:02:03.1234567Z'],
    offset: ['2023-01-01T01:02:03+02:00', '2022-12-31T23:02:03.0000000Z'],
    noZone: ['2023-01-01T01:02:03.5', '2023-01-01T01:02:03.5000000Z'],
    minutes: ['2023-01-01T01:02Z', '2023-01-01T01:02:00.0000000Z'],
  };
  const entity = { PartitionKey: 'p', RowKey: 'dates' };
  for (const [k, [given]] of Object.entries(forms)) {
    entity[k] = given;
    entity[`${k}@odata.type`] = 'Edm.DateTime';
  }
  const put = await raw(name, { method: 'POST', headers: json('application/json;odata=minimalmetadata'), body: JSON.stringify(entity) });
  assert.equal(put.status, 201, put.text);
  const got = await raw(`${name}(PartitionKey='p',RowKey='dates')`, { headers: { Accept: 'application/json;odata=minimalmetadata' } });
  for (const [k, [, expected]] of Object.entries(forms)) {
    assert.equal(got.json[k], expected, k);
    assert.equal(got.json[`${k}@odata.type`], 'Edm.DateTime');
  }
  const filtered = await raw(`${name}()?$filter=${encodeURIComponent("offset eq datetime'2022-12-31T23:02:03Z'")}`,
    { headers: { Accept: 'application/json;odata=nometadata' } });
  assert.equal(filtered.json.value.length, 1);
});

test('a JavaScript Date survives the SDK round trip', async () => {
  const { client } = await newTable();
  const when = new Date('2024-02-29T12:34:56.789Z');
  await client.createEntity({ partitionKey: 'p', rowKey: 'r', when });
  const e = await client.getEntity('p', 'r');
  assert.equal(e.when.toISOString(), when.toISOString());
});

test('no, minimal and full metadata answer as asked, by Accept or $format', async () => {
  const { name, client } = await newTable();
  await client.createEntity({ partitionKey: 'p', rowKey: 'r', big: { value: '9007199254740993', type: 'Int64' }, n: 1, s: 'x' });
  const none = await raw(`${name}(PartitionKey='p',RowKey='r')`, { headers: { Accept: 'application/json;odata=nometadata' } });
  assert.match(none.headers.get('content-type'), /odata=nometadata/);
  assert.deepEqual(Object.keys(none.json).filter((k) => k.includes('odata')), []);
  assert.equal(none.json.big, '9007199254740993');

  const minimal = await raw(`${name}(PartitionKey='p',RowKey='r')`, { headers: { Accept: 'application/json;odata=minimalmetadata' } });
  assert.match(minimal.headers.get('content-type'), /odata=minimalmetadata/);
  assert.ok(minimal.json['odata.metadata'].endsWith(`$metadata#${name}/@Element`));
  assert.equal(minimal.json['odata.etag'], minimal.headers.get('etag'));
  assert.equal(minimal.json['big@odata.type'], 'Edm.Int64');
  assert.equal(minimal.json['n@odata.type'], undefined);

  const full = await raw(`${name}(PartitionKey='p',RowKey='r')?$format=${encodeURIComponent('application/json;odata=fullmetadata')}`);
  assert.match(full.headers.get('content-type'), /odata=fullmetadata/);
  assert.equal(full.json['odata.type'], `${env.account}.${name}`);
  assert.ok(full.json['odata.id'].endsWith(`${name}(PartitionKey='p',RowKey='r')`));
  assert.equal(full.json['odata.editLink'], `${name}(PartitionKey='p',RowKey='r')`);
  assert.equal(full.json['Timestamp@odata.type'], 'Edm.DateTime');
  assert.equal(full.json['n@odata.type'], 'Edm.Int32');
});

test('the odata.etag of a query is the ETag an update must match', async () => {
  const { name, client } = await newTable();
  await client.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
  const listed = await raw(`${name}()`, { headers: { Accept: 'application/json;odata=minimalmetadata' } });
  const etag = listed.json.value[0]['odata.etag'];
  const ok = await raw(`${name}(PartitionKey='p',RowKey='r')`, { method: 'PUT', headers: { ...json('application/json'), 'If-Match': etag },
    body: JSON.stringify({ v: 2 }) });
  assert.equal(ok.status, 204, ok.text);
  const stale = await raw(`${name}(PartitionKey='p',RowKey='r')`, { method: 'PUT', headers: { ...json('application/json'), 'If-Match': etag },
    body: JSON.stringify({ v: 3 }) });
  assert.equal(stale.status, 412);
  assert.equal(stale.json['odata.error'].code, 'UpdateConditionNotSatisfied');
});

test('Prefer: return-no-content answers 204, return-content 201 with the entity', async () => {
  const { name } = await newTable();
  const quiet = await raw(name, { method: 'POST', headers: { ...json('application/json;odata=nometadata'), Prefer: 'return-no-content' },
    body: JSON.stringify({ PartitionKey: 'p', RowKey: 'a' }) });
  assert.equal(quiet.status, 204);
  assert.equal(quiet.headers.get('preference-applied'), 'return-no-content');
  assert.ok(quiet.headers.get('etag'));
  const loud = await raw(name, { method: 'POST', headers: { ...json('application/json;odata=nometadata'), Prefer: 'return-content' },
    body: JSON.stringify({ PartitionKey: 'p', RowKey: 'b' }) });
  assert.equal(loud.status, 201);
  assert.equal(loud.headers.get('preference-applied'), 'return-content');
  assert.equal(loud.json.RowKey, 'b');
});

test('errors come as OData JSON in the metadata level asked for', async () => {
  const { name } = await newTable();
  const missing = await raw(`${name}(PartitionKey='p',RowKey='none')`, { headers: { Accept: 'application/json;odata=nometadata' } });
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type'), /application\/json;odata=nometadata/);
  assert.equal(missing.json['odata.error'].code, 'ResourceNotFound');
  assert.equal(missing.json['odata.error'].message.lang, 'en-US');
  assert.match(missing.json['odata.error'].message.value, /RequestId:/);
  assert.equal(missing.headers.get('x-ms-error-code'), 'ResourceNotFound');
});

test('$top pages with continuation headers and $select names missing properties as null', async () => {
  const { name, client } = await newTable();
  for (let i = 0; i < 5; i++) await client.createEntity({ partitionKey: 'p', rowKey: `r${i}`, n: i });
  const first = await raw(`${name}()?$top=2&$select=RowKey,n,absent`, { headers: { Accept: 'application/json;odata=nometadata' } });
  assert.deepEqual(first.json.value, [{ RowKey: 'r0', n: 0, absent: null }, { RowKey: 'r1', n: 1, absent: null }]);
  const npk = first.headers.get('x-ms-continuation-nextpartitionkey');
  const nrk = first.headers.get('x-ms-continuation-nextrowkey');
  assert.ok(npk && nrk);
  const second = await raw(`${name}()?$top=2&NextPartitionKey=${npk}&NextRowKey=${nrk}`, { headers: { Accept: 'application/json;odata=nometadata' } });
  assert.deepEqual(second.json.value.map((e) => e.RowKey), ['r2', 'r3']);
  const pages = [];
  for await (const page of client.listEntities().byPage({ maxPageSize: 2 })) pages.push(page.length);
  assert.deepEqual(pages, [2, 2, 1]);
  const bad = await raw(`${name}()?$top=0`, { headers: { Accept: 'application/json' } });
  assert.equal(bad.status, 400);
});

test('table names are validated as Azure does', async () => {
  for (const bad of ['ab', '1abc', 'a-b-c', 'a'.repeat(64)]) {
    await assert.rejects(env.tableService().createTable(bad), (e) => {
      assert.equal(e.statusCode, 400, bad);
      assert.equal(e.code ?? e.details?.errorCode, 'InvalidResourceName', bad);
      return true;
    });
  }
  const ok = env.unique('Mixed');
  await env.tableService().createTable(ok);
  // the SDK's createTable swallows a conflict, so the REST answer is read directly: names are case-insensitive
  const again = await raw('Tables', { method: 'POST', headers: json('application/json;odata=nometadata'), body: JSON.stringify({ TableName: ok.toLowerCase() }) });
  assert.equal(again.status, 409);
  assert.equal(again.json['odata.error'].code, 'TableAlreadyExists');
});

test('a batch whose second operation fails names it and applies nothing', async () => {
  const { client } = await newTable();
  await client.createEntity({ partitionKey: 'p', rowKey: 'taken' });
  await assert.rejects(client.submitTransaction([
    ['create', { partitionKey: 'p', rowKey: 'fresh' }],
    ['create', { partitionKey: 'p', rowKey: 'taken' }],
  ]), (e) => {
    assert.equal(e.statusCode, 409);
    assert.equal(e.code, 'EntityAlreadyExists');
    assert.match(e.message, /^1:/);
    return true;
  });
  await assert.rejects(client.getEntity('p', 'fresh'), (e) => e.statusCode === 404);
  const done = await client.submitTransaction([
    ['create', { partitionKey: 'p', rowKey: 'x' }], ['upsert', { partitionKey: 'p', rowKey: 'y', v: 1 }, 'Merge'],
    ['update', { partitionKey: 'p', rowKey: 'taken', v: 2 }, 'Replace']]);
  assert.equal(done.status, 202);
  await client.submitTransaction([['delete', { partitionKey: 'p', rowKey: 'x' }]]);
  await assert.rejects(client.getEntity('p', 'x'), (e) => e.statusCode === 404);
  assert.equal((await client.getEntity('p', 'taken')).v, 2);
});

test('a connection stays open across table calls, errors included, as Azure keeps it alive', async () => {
  const http = require('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path) => new Promise((resolve, reject) => {
    const req = http.get(`${env.tableUrl}/${path}?${env.accountSas()}`,
      { agent, headers: { 'x-ms-version': '2020-12-06', Accept: 'application/json;odata=nometadata' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, reused: req.reusedSocket }));
      });
    req.on('error', reject);
  });
  try {
    const first = await get('Tables');
    const missing = await get(`${env.unique('none')}()`);
    const after = await get('Tables');
    assert.equal(first.status, 200);
    assert.equal(missing.status, 404);
    assert.equal(after.status, 200);
    for (const r of [first, missing, after]) assert.notEqual(r.connection, 'close');
    assert.deepEqual([first.reused, missing.reused, after.reused], [false, true, true]);
  } finally {
    agent.destroy();
  }
});
