import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;
const ENTRY = join(ROOT, 'dist/src/main.js');

/** The newest modification time under `dir` (files only). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * The built service, `node dist/src/main.js` as `npm start` runs it: built by
 * `npm run build` when dist is missing or older than a source file (tsc
 * rewrites every output, so the entry point's time is the build's).
 */
export function builtService(): string {
  const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'migrations')), statSync(join(ROOT, 'tsconfig.json')).mtimeMs);
  if (!existsSync(ENTRY) || statSync(ENTRY).mtimeMs < sources) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  return ENTRY;
}
