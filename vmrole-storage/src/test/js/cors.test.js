// CORS per service, from the rules set with Set Service Properties.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const env = require('./env');

const rules = [
  { allowedOrigins: 'http://app.example', allowedMethods: 'GET,PUT', allowedHeaders: 'x-ms-meta-*,content-type',
    exposedHeaders: 'x-ms-meta-*,x-ms-request-id', maxAgeInSeconds: 600 },
  { allowedOrigins: '*', allowedMethods: 'GET', allowedHeaders: '', exposedHeaders: '', maxAgeInSeconds: 5 },
];

async function preflight(url, origin, method, headers) {
  const h = {};
  if (origin) h.Origin = origin;
  if (method) h['Access-Control-Request-Method'] = method;
  if (headers) h['Access-Control-Request-Headers'] = headers;
  const r = await fetch(url, { method: 'OPTIONS', headers: h });
  await r.arrayBuffer();
  return r;
}

async function checkService(name, url, setProperties) {
  await setProperties(rules);
  const ok = await preflight(`${url}/anything`, 'http://app.example', 'PUT', 'x-ms-meta-colour,content-type');
  assert.equal(ok.status, 200, `${name} preflight`);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://app.example');
  assert.equal(ok.headers.get('access-control-allow-methods'), 'PUT');
  assert.equal(ok.headers.get('access-control-allow-headers'), 'x-ms-meta-colour,content-type');
  assert.equal(ok.headers.get('access-control-max-age'), '600');
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');

  const wrongMethod = await preflight(`${url}/anything`, 'http://app.example', 'DELETE');
  assert.equal(wrongMethod.status, 403, `${name} method not allowed`);
  assert.equal(wrongMethod.headers.get('x-ms-error-code'), 'CorsPreflightFailure');
  const wrongHeader = await preflight(`${url}/anything`, 'http://app.example', 'PUT', 'x-custom');
  assert.equal(wrongHeader.status, 403, `${name} header not allowed`);
  const anyOrigin = await preflight(`${url}/anything`, 'http://other.example', 'GET');
  assert.equal(anyOrigin.status, 200);
  assert.equal(anyOrigin.headers.get('access-control-max-age'), '5');
  const noOrigin = await preflight(`${url}/anything`, null, 'GET');
  assert.equal(noOrigin.status, 400);
  const noMethod = await preflight(`${url}/anything`, 'http://app.example', null);
  assert.equal(noMethod.status, 400);

  await setProperties([]);
  const disabled = await preflight(`${url}/anything`, 'http://app.example', 'GET');
  assert.equal(disabled.status, 403, `${name} CORS off`);
}

test('blob preflight follows the blob service rules', async () => {
  const svc = env.blobs();
  await checkService('blob', env.blobUrl, (cors) => svc.setProperties({ cors }));
});

test('queue preflight follows the queue service rules', async () => {
  const svc = env.queues();
  await checkService('queue', env.queueUrl, (cors) => svc.setProperties({ cors }));
});

test('table preflight follows the table service rules', async () => {
  const svc = env.tableService();
  await checkService('table', env.tableUrl, (cors) => svc.setProperties({ cors }));
  await svc.setProperties({ cors: rules });
  const props = await svc.getProperties();
  assert.equal(props.cors.length, 2);
  assert.equal(props.cors[0].allowedOrigins, 'http://app.example');
  assert.equal(props.cors[0].maxAgeInSeconds, 600);
  const stats = await svc.getStatistics();
  assert.equal(stats.geoReplication.status, 'live');
  await svc.setProperties({ cors: [] });
});

test('an actual request from an allowed origin gets Access-Control headers and Vary: Origin', async () => {
  const svc = env.blobs();
  await svc.setProperties({ cors: rules });
  try {
    const container = svc.getContainerClient(env.unique('cors'));
    await container.create();
    await container.getBlockBlobClient('b').upload('hi', 2, { metadata: { colour: 'blue' } });
    const sas = env.accountSas();
    const r = await fetch(`${container.url}/b?${sas}`, { headers: { Origin: 'http://app.example' } });
    assert.equal(await r.text(), 'hi');
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://app.example');
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(r.headers.get('vary'), 'Origin');
    const exposed = r.headers.get('access-control-expose-headers').toLowerCase().split(',');
    assert.ok(exposed.includes('x-ms-meta-colour'), exposed.join());
    assert.ok(exposed.includes('x-ms-request-id'), exposed.join());

    const star = await fetch(`${container.url}/b?${sas}`, { headers: { Origin: 'http://other.example' } });
    await star.arrayBuffer();
    assert.equal(star.headers.get('access-control-allow-origin'), '*');
    assert.equal(star.headers.get('access-control-allow-credentials'), null);

    const refused = await fetch(`${container.url}/b?${sas}`, { method: 'DELETE', headers: { Origin: 'http://other.example' } });
    await refused.arrayBuffer();
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    assert.equal(refused.headers.get('vary'), 'Origin');

    const error = await fetch(`${container.url}/missing?${sas}`, { headers: { Origin: 'http://app.example' } });
    await error.arrayBuffer();
    assert.equal(error.status, 404);
    assert.equal(error.headers.get('access-control-allow-origin'), 'http://app.example');
  } finally {
    await svc.setProperties({ cors: [] });
  }
});
