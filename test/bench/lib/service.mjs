// The service under test: started in production mode on its own embedded Postgres (or DATABASE_URL, when set and
// not empty), and what it costs: its processes' CPU split and the largest worker's peak RSS, read from /proc.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** USER_HZ on Linux: /proc reports CPU time in these ticks. */
const CLK_TCK = 100;

/**
 * Starts dist/src/main.js (or `entry`) with an operator client whose key the caller gets. `nodeArgs` go to the
 * service's node (e.g. --cpu-prof); `env` adds or overrides variables (WORKERS, say); `stdout` is the service's (a file descriptor, say).
 */
export function startService({ port, entry = 'dist/src/main.js', nodeArgs = [], env = {}, stdout = 'ignore' }) {
  const base = `http://127.0.0.1:${port}`;
  const operatorKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const operatorId = randomUUID();
  const dataDir = mkdtempSync(join(tmpdir(), 'token-issuer-bench-'));
  const databaseUrl = process.env.DATABASE_URL || undefined; // empty means unset, as in the service
  const inherited = { ...process.env };
  if (databaseUrl === undefined) delete inherited.DATABASE_URL;
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: base,
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(port + 1),
      LOG_LEVEL: 'warn',
      BOOTSTRAP_OPERATOR_CLIENT_ID: operatorId,
      BOOTSTRAP_OPERATOR_PUBLIC_KEY: operatorKeys.publicKey.export({ type: 'spki', format: 'pem' }),
      ...env,
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); return exited; };
  process.on('exit', () => child.kill('SIGTERM'));
  return { base, port, child, dataDir, databaseUrl, operatorId, operatorKey: operatorKeys.privateKey, stop, exited };
}

export async function waitReady(base) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/health/ready`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready');
}

const read = (path) => { try { return readFileSync(path, 'utf8'); } catch { return ''; } };
const childrenOf = (pid) => read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean);
const commOf = (pid) => read(`/proc/${pid}/comm`).trim();

/** The service's processes by role: workers (node children of the primary), the primary, and Postgres (its whole tree). */
export function processesOf(rootPid) {
  const roles = { primary: [String(rootPid)], workers: [], postgres: [] };
  const walk = (pid, inPostgres) => {
    for (const child of childrenOf(pid)) {
      const postgres = inPostgres || commOf(child).startsWith('postgres');
      if (postgres) roles.postgres.push(child);
      else if (commOf(child) === 'node') roles.workers.push(child);
      walk(child, postgres);
    }
  };
  walk(String(rootPid), false);
  if (roles.workers.length === 0) roles.workers = roles.primary; // WORKERS=1: the primary serves
  return roles;
}

/** Peak resident memory (VmHWM) of the largest worker, in MB. */
export function peakRssMb(rootPid) {
  const peaks = processesOf(rootPid).workers.map((pid) => Number(/VmHWM:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0));
  return Math.round(Math.max(...peaks) / 1024);
}

const ticksOf = (pid) => {
  const fields = read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ');
  return fields === undefined ? 0 : Number(fields[11]) + Number(fields[12]); // utime + stime
};
/** Ticks of the whole machine (every core), from /proc/stat: busy, interrupts (loopback TCP runs there), steal, total. */
const machineTicks = () => {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = read('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, interrupts: irq + softirq, steal, total };
};

/**
 * Measures where the CPU goes while `work` runs: the service's workers, its primary, Postgres, this process (the
 * load generator), interrupts (softirq: loopback TCP), steal (the hypervisor's), and everything else (other
 * sessions), each in % of one core; `idle` too.
 * Processes are looked up at the start (Postgres backends opened during the run are missed, so it is re-read at the end).
 */
export async function cpuSplit(rootPid, work) {
  const before = { roles: processesOf(rootPid), self: process.cpuUsage(), machine: machineTicks(), at: process.hrtime.bigint() };
  const startTicks = new Map(Object.values(before.roles).flat().map((pid) => [pid, ticksOf(pid)]));
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - before.at) / 1e9;
  const after = processesOf(rootPid);
  const pct = (ticks) => Math.round((100 * ticks) / CLK_TCK / seconds);
  const roleTicks = (pids) => pids.reduce((sum, pid) => sum + Math.max(0, ticksOf(pid) - (startTicks.get(pid) ?? 0)), 0);
  const self = process.cpuUsage(before.self);
  const machine = machineTicks();
  const split = {
    workers_pct: pct(roleTicks(after.workers)),
    primary_pct: after.workers === after.primary ? 0 : pct(roleTicks(after.primary)),
    postgres_pct: pct(roleTicks(after.postgres)),
    loadgen_pct: Math.round((100 * (self.user + self.system)) / 1e6 / seconds),
  };
  const busy = pct(machine.busy - before.machine.busy);
  split.interrupts_pct = pct(machine.interrupts - before.machine.interrupts);
  split.steal_pct = pct(machine.steal - before.machine.steal);
  split.other_pct = Math.max(0, busy - split.interrupts_pct - split.steal_pct - split.workers_pct - split.primary_pct - split.postgres_pct - split.loadgen_pct);
  split.idle_pct = pct(machine.total - before.machine.total) - busy;
  return { result, cpu: split };
}
