// Server CPU per operation and peak memory, vmrole against Azurite, both driven by the Azure SDK for JavaScript.
// Usage (see BENCHMARKS.md): node bench.js CLASSPATH AZURITE_JS [ops-per-phase] [concurrency]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BlobServiceClient, StorageSharedKeyCredential } = require('@azure/storage-blob');
const queue = require('@azure/storage-queue');
const { TableClient, TableServiceClient, AzureNamedKeyCredential } = require('@azure/data-tables');

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const [classpath, azuriteJs, opsArg, concurrencyArg] = process.argv.slice(2);
const OPS = Number(opsArg ?? 2000);
const CONCURRENCY = Number(concurrencyArg ?? 8);
const TICK_MS = 10; // /proc/<pid>/stat counts CPU in clock ticks of 10 ms (USER_HZ 100)

/** A process's CPU time so far: user (utime) and kernel (stime) ms, threads included. */
function cpuTimes(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) * TICK_MS, sys: Number(fields[12]) * TICK_MS };
}

function peakRssMiB(pid) {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

function start(cmd, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${out}`)), 60_000);
    const onData = (d) => {
      out += d;
      const ports = ready(out);
      if (ports) {
        clearTimeout(timer);
        resolve({ child, ports });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

async function startVmrole(dir) {
  // the options `./vmrole storage` runs with (scripts/lib.sh), then any of one's own, e.g. -XX:StartFlightRecording=...
  const product = (process.env.VMROLE_STORAGE_JAVA_OPTS ?? '').split(' ').filter(Boolean);
  const extra = (process.env.VMROLE_JAVA_OPTS ?? '').split(' ').filter(Boolean);
  const { child, ports } = await start('java', [...product, ...extra, '-cp', classpath, 'org.vmrole.storage.CrashTestServer', dir], (out) => {
    const m = /PORTS (\d+) (\d+) (\d+)/.exec(out);
    return m && m.slice(1).map(Number);
  });
  return { name: 'vmrole', child, ports };
}

async function startAzurite(dir) {
  const base = 23000 + Math.floor(Math.random() * 1000) * 3;
  const ports = [base, base + 1, base + 2];
  const { child } = await start('node', [azuriteJs, '--blobPort', ports[0], '--queuePort', ports[1], '--tablePort', ports[2],
    '--location', dir, '--skipApiVersionCheck', '--disableTelemetry', '--loose'].map(String),
  (out) => /Table service is successfully listening/.test(out) && ports);
  return { name: 'Azurite', child, ports };
}

function clients(server) {
  const [b, q, t] = server.ports.map((p) => `http://127.0.0.1:${p}/${ACCOUNT}`);
  return {
    blobs: new BlobServiceClient(b, new StorageSharedKeyCredential(ACCOUNT, KEY)),
    queues: new queue.QueueServiceClient(q, new queue.StorageSharedKeyCredential(ACCOUNT, KEY)),
    tableUrl: t,
    tableCredential: new AzureNamedKeyCredential(ACCOUNT, KEY),
  };
}

/** CPU ms per thread group (thread names with digits folded), to see where a server spends it. */
function threadCpu(pid) {
  const out = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+/g, '#');
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * TICK_MS;
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      for (const m of status.matchAll(/^(voluntary|nonvoluntary)_ctxt_switches:\s+(\d+)/gm)) out[`ctx ${m[1]}`] = (out[`ctx ${m[1]}`] ?? 0) + Number(m[2]);
    } catch { /* the thread ended */ }
  }
  return out;
}

/** Runs `op(i)` OPS times with CONCURRENCY in flight; returns server CPU ms per op and ops/s. */
async function measure(server, count, op) {
  let next = 0;
  const threads0 = process.env.VMROLE_BENCH_THREADS ? threadCpu(server.child.pid) : null;
  const cpu0 = cpuTimes(server.child.pid);
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await op(next++);
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = cpuTimes(server.child.pid);
  const user = cpu1.user - cpu0.user;
  const sys = cpu1.sys - cpu0.sys;
  const cpu = user + sys;
  if (threads0) {
    const t1 = threadCpu(server.child.pid);
    const [voluntary, involuntary] = ['voluntary', 'nonvoluntary'].map((k) => {
      const n = ((t1[`ctx ${k}`] ?? 0) - (threads0[`ctx ${k}`] ?? 0)) / count;
      delete t1[`ctx ${k}`];
      return n;
    });
    console.error(`  ${server.name} context switches per op, all threads: ${voluntary.toFixed(2)} voluntary, ${involuntary.toFixed(2)} involuntary`);
    const per = Object.entries(t1).map(([k, v]) => [k, (v - (threads0[k] ?? 0)) / count]).filter(([, v]) => v > 0.005)
      .sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(3)}`);
    console.error(`  ${server.name} CPU ms/op by thread: ${per.join(', ')}`);
  }
  return { cpuPerOp: cpu / count, sysShare: cpu > 0 ? sys / cpu : 0, perSecond: count / seconds };
}

async function workloads(server, tag) {
  const c = clients(server);
  const tableName = `bench${tag}`;
  const tables = new TableServiceClient(c.tableUrl, c.tableCredential, { allowInsecureConnection: true });
  await tables.createTable(tableName);
  const table = new TableClient(c.tableUrl, tableName, c.tableCredential, { allowInsecureConnection: true });
  const q = c.queues.getQueueClient(`bench${tag}`);
  await q.create();
  const container = c.blobs.getContainerClient(`bench${tag}`);
  await container.create();
  const body = Buffer.alloc(4096, 7);
  return {
    phases: {
      'single table insert': (i) => table.createEntity({ partitionKey: 'p', rowKey: `r${tag}-${i}`, n: i, s: 'some text' }),
      'queue put+get+delete': async () => {
        await q.sendMessage('hello queue');
        const got = await q.receiveMessages();
        const m = got.receivedMessageItems[0];
        if (m) await q.deleteMessage(m.messageId, m.popReceipt);
      },
      '4 KiB blob put': (i) => container.getBlockBlobClient(`b${tag}-${i}`).upload(body, body.length),
    },
    // every round starts from empty resources: Azurite's CPU per call grows with what it holds in memory, which
    // would otherwise flatter later rounds (not measured)
    cleanup: () => Promise.all([tables.deleteTable(tableName), q.delete(), container.delete()]),
  };
}

/** CPU ms of a JVM's JIT compiler threads so far (0 for a server whose compiler threads have no name of their own). */
function compilerCpu(pid) {
  return Object.entries(threadCpu(pid)).filter(([name]) => name.includes('CompilerThre')).reduce((sum, [, ms]) => sum + ms, 0);
}

/**
 * Warms a server until it is steady: full rounds of every phase until two rounds in a row fail to bring the CPU per
 * operation, summed over the phases, 5 % below the best round so far (one round alone is too noisy on a shared
 * machine to decide), and, where the JIT compiler threads can be told apart (a JVM's), until they spent less than
 * 10 % of the round's CPU: a round can be slower than the best while the compiler is still at work. V8's compiler
 * threads share the name of Node's other threads, so Azurite is held to the first condition alone. At least
 * VMROLE_BENCH_WARMUP (3) and at most VMROLE_BENCH_MAX_WARMUP (12) rounds. Returns the rounds run.
 */
async function warm(s, only) {
  const minRounds = Number(process.env.VMROLE_BENCH_WARMUP ?? 3);
  const maxRounds = Number(process.env.VMROLE_BENCH_MAX_WARMUP ?? 12);
  let best = Infinity;
  let flat = 0;
  for (let w = 0; w < maxRounds; w++) {
    const load = await workloads(s, `warm${w}`);
    const compiler0 = compilerCpu(s.child.pid);
    const cpu0 = cpuTimes(s.child.pid);
    let total = 0;
    for (const [phase, op] of Object.entries(load.phases)) if (!only || phase.includes(only)) total += (await measure(s, OPS, op)).cpuPerOp;
    const cpu1 = cpuTimes(s.child.pid);
    const compilerShare = (compilerCpu(s.child.pid) - compiler0) / Math.max(1, cpu1.user + cpu1.sys - cpu0.user - cpu0.sys);
    await load.cleanup();
    console.error(`${new Date().toISOString()} warm-up round ${w + 1} ${s.name}: ${total.toFixed(3)} ms CPU/op summed over the phases, `
      + `${(compilerShare * 100).toFixed(0)}% of it in JIT compiler threads`);
    flat = total < best * 0.95 ? 0 : flat + 1;
    best = Math.min(best, total);
    if (w + 1 >= minRounds && flat >= 2 && compilerShare < 0.10) return w + 1;
  }
  return maxRounds;
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vmrole-jsbench-'));
  const which = process.env.VMROLE_BENCH_SERVERS ?? 'vmrole,Azurite'; // one server alone, to profile it
  const servers = [];
  if (which.includes('vmrole')) servers.push(await startVmrole(path.join(root, 'vmrole')));
  if (which.includes('Azurite')) servers.push(await startAzurite(path.join(root, 'azurite')));
  const results = {};
  try {
    const only = process.env.VMROLE_BENCH_ONLY; // a phase name part, to profile one workload
    const warmRounds = {};
    for (const s of servers) warmRounds[s.name] = await warm(s, only); // not measured
    const idle = Number(process.env.VMROLE_BENCH_IDLE_MS ?? 0); // to see what a pause does to a warm server
    if (idle > 0) await new Promise((resolve) => setTimeout(resolve, idle));
    for (let round = 1; round <= 2; round++) {
      const loads = {};
      for (const s of servers) loads[s.name] = await workloads(s, `r${round}`);
      for (const phase of Object.keys(loads[servers[0].name].phases).filter((p) => !only || p.includes(only))) {
        for (const s of servers) { // interleaved: each phase runs on both servers back to back
          const r = await measure(s, OPS, loads[s.name].phases[phase]);
          (results[phase] ??= {})[s.name] ??= [];
          results[phase][s.name].push(r);
          console.error(`${new Date().toISOString()} round ${round} ${phase} ${s.name}: ${r.cpuPerOp.toFixed(3)} ms CPU/op (${(r.sysShare * 100).toFixed(0)}% in the kernel), `
            + `${r.perSecond.toFixed(0)} ops/s, load average ${os.loadavg()[0].toFixed(1)}`);
        }
      }
      for (const s of servers) await loads[s.name].cleanup();
    }
    if (servers.length < 2) return;
    console.log(`Warm-up rounds until steady: vmrole ${warmRounds.vmrole}, Azurite ${warmRounds.Azurite}`);
    const rss = Object.fromEntries(servers.map((s) => [s.name, peakRssMiB(s.child.pid)]));
    console.log(`| measure (${OPS} ops, ${CONCURRENCY} in flight, 2 rounds) | vmrole | Azurite 3.35.0 | vmrole / Azurite |`);
    console.log('|---|---|---|---|');
    const fmt = (xs, f) => xs.map(f).join(' / ');
    for (const [phase, by] of Object.entries(results)) {
      const ratio = by.vmrole.map((r, i) => (r.cpuPerOp / by.Azurite[i].cpuPerOp).toFixed(2)).join(' / ');
      console.log(`| ${phase}: server CPU ms/op | ${fmt(by.vmrole, (r) => r.cpuPerOp.toFixed(3))} | ${fmt(by.Azurite, (r) => r.cpuPerOp.toFixed(3))} | ${ratio} |`);
      const tput = by.vmrole.map((r, i) => (r.perSecond / by.Azurite[i].perSecond).toFixed(2)).join(' / ');
      console.log(`| ${phase}: ops/s | ${fmt(by.vmrole, (r) => r.perSecond.toFixed(0))} | ${fmt(by.Azurite, (r) => r.perSecond.toFixed(0))} | ${tput} |`);
    }
    console.log(`| peak RSS MiB | ${rss.vmrole.toFixed(0)} | ${rss.Azurite.toFixed(0)} | ${(rss.vmrole / rss.Azurite).toFixed(2)} |`);
  } finally {
    for (const s of servers) { // SIGTERM lets a JVM write its flight recording; SIGKILL if it lingers
      s.child.removeAllListeners('exit');
      const exited = new Promise((resolve) => s.child.once('exit', resolve));
      s.child.kill('SIGTERM');
      const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
