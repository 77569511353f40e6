// Summarises V8 CPU profiles (BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"): self time by function and by
// package, and time by the package that asked for it (node's and native frames counted to their nearest caller in a
// package or in src/), summed over every profile given (one per worker). --scenario NAME keeps only the samples of
// that scenario's timed run (its window in bench-results.json, or --results FILE).
//   node test/bench/profile-summary.mjs DIR/*.cpuprofile [--scenario jwt-bearer-login] [--top 40]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : fallback;
};
const top = Number(option('--top', 40));
const scenarioName = option('--scenario');
const resultsFile = option('--results', 'bench-results.json');
const window = scenarioName === undefined ? undefined
  : JSON.parse(readFileSync(resultsFile, 'utf8')).scenarios.find((s) => s.name === scenarioName)?.window;
if (scenarioName !== undefined && window === undefined) throw new Error(`no window for ${scenarioName} in ${resultsFile}`);
const byCaller = new Map();

const byFunction = new Map();
const byPackage = new Map();
let total = 0;
const add = (map, key, value) => map.set(key, (map.get(key) ?? 0) + value);

/** Where a frame's code lives: a package of node_modules, our src/, node's own (node:), or V8's (program, gc, idle). */
function packageOf(url, name) {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const ours = /\/dist\/(src\/[^/]+)/.exec(url);
  return ours ? ours[1] : url;
}

for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const self = new Map();
  // timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window !== undefined && (at < window.start_us || at > window.end_us)) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const callerOf = (id) => {
    for (let node = nodes.get(id); node !== undefined; node = nodes.get(parents.get(node.id))) {
      const { url, functionName } = node.callFrame;
      if (/node_modules|\/dist\//.test(url)) return packageOf(url, functionName);
      if (node.id === id && url === '' && functionName.startsWith('(')) return functionName; // idle, gc, program
    }
    return '(node itself)';
  };
  for (const [id, micros] of self) {
    add(byCaller, callerOf(id), micros);
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = functionName || '(anonymous)';
    add(byFunction, `${name} ${url.replace(/^.*\/(node_modules|dist)\//, '')}:${lineNumber + 1}`, micros);
    add(byPackage, packageOf(url, name), micros);
    total += micros;
  }
}

const print = (title, map, count) => {
  console.log(`\n${title}`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${(100 * micros / total).toFixed(1).padStart(6)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  }
};
console.log(`${args.length} profile(s), ${(total / 1e6).toFixed(1)} s sampled`);
print('by package (self time)', byPackage, 30);
print('by the package that asked (node and native frames counted to their caller)', byCaller, 30);
print('by function (self time)', byFunction, top);
