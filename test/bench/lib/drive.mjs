// Drives one scenario with autocannon: a warm-up, then the timed run, with its CPU split and a window (monotonic
// clock, µs) that profile-summary.mjs uses to keep only the samples of the timed run.
import autocannon from 'autocannon';
import { cpuSplit, peakRssMb } from './service.mjs';

export const CONNECTIONS = 64;

const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

function percentile(values, count, p) {
  if (count === 0) return null;
  const sorted = values.subarray(0, count).sort();
  return Math.round(100 * sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)]) / 100;
}

/**
 * One autocannon run of `requests` (one request, or the steps of a flow) over CONNECTIONS connections. `flow`
 * (for several steps) says which status each step expects; a flow counts when its last step answers, its latency
 * from its first request to its last answer. Returns rates and latencies of 2xx answers (of whole flows).
 */
async function run(base, requests, seconds, flow) {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const unexpected = {};
  const record = (ms) => {
    if (count === latencies.length) { const grown = new Float64Array(2 * count); grown.set(latencies); latencies = grown; }
    latencies[count++] = ms;
  };
  const steps = flow === undefined ? requests : requests.map((step, index) => ({
    ...step,
    setupRequest: (req, context) => {
      if (index === 0) context.startedAt = performance.now();
      return step.setupRequest ? step.setupRequest(req, context) : req;
    },
    onResponse: (status, body, context, headers) => {
      if (status !== flow[index]) unexpected[status] = (unexpected[status] ?? 0) + 1;
      else if (index === requests.length - 1) record(performance.now() - context.startedAt);
      step.onResponse?.(status, body, context, headers);
    },
  }));
  const instance = autocannon({ url: base, connections: CONNECTIONS, duration: seconds, requests: steps });
  if (flow === undefined) {
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) record(ms);
      else unexpected[status] = (unexpected[status] ?? 0) + 1;
    });
  }
  const result = await instance;
  const failed = Object.values(unexpected).reduce((sum, n) => sum + n, 0) + result.errors + result.timeouts;
  return {
    requests_2xx: count,
    requests_per_s: Math.round(count / result.duration),
    ...(flow === undefined ? {} : { http_requests_per_s: Math.round(result.requests.total / result.duration) }),
    p50_ms: percentile(latencies, count, 50),
    p99_ms: percentile(latencies, count, 99),
    non_2xx: failed,
    ...(failed > 0 ? { failures: { status: unexpected, errors: result.errors, timeouts: result.timeouts } } : {}),
  };
}

/**
 * Autocannon stops with a request in flight on every connection; the service still answers them (a password login
 * waits its turn for argon2id). Pausing lets that backlog drain, so that it is not counted against the next run.
 */
const SETTLE_MS = 1500;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

/**
 * A scenario: `warmup` seconds (discarded), then `seconds` timed, reporting the rate, p50/p99, failures, the
 * largest worker's peak RSS, where the CPU went (cpuSplit) and the timed window.
 */
export async function drive(service, name, requests, { seconds, warmup = 2, flow } = {}) {
  const list = Array.isArray(requests) ? requests : [requests];
  if (warmup > 0) {
    await run(service.base, list, warmup, flow);
    await settle();
  }
  const window = { start_us: nowMicros() };
  const { result, cpu } = await cpuSplit(service.child.pid, () => run(service.base, list, seconds, flow));
  window.end_us = nowMicros();
  await settle();
  return { name, ...result, peak_rss_mb: peakRssMb(service.child.pid), cpu, window };
}
