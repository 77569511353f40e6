import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PUBLIC_URL, TestApp, type TestClient } from '../support/test-app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK = join(ROOT, 'sdk');
/** Measured at 45 kB (18 files); the whole install, with jose, at 432 kB. The root package once installed 208 MB. */
const MAX_PACKAGE_BYTES = 200_000;
const MAX_INSTALL_BYTES = 1_000_000;

interface Packed {
  readonly filename: string;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

/**
 * The SDK as a downstream service gets it: `npm pack` of the workspace (its
 * prepack builds it), the tarball installed into a fresh folder outside the
 * repository (so nothing resolves from the repository's node_modules), and
 * used there by plain Node scripts against a running issuer.
 */
describe('the SDK package, packed and installed into a fresh project', () => {
  let folder: string;
  let project: string;
  let packed: Packed;
  let issuer: TestApp;
  let client: TestClient;
  // Without jest's NODE_OPTIONS, and without the npm_* variables of an `npm test` run, which would steer the inner npm.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && !/^npm_/i.test(name)));
  const run = async (command: string, args: string[], cwd: string) => (await promisify(execFile)(command, args, { cwd, env, maxBuffer: 4 << 20 })).stdout;
  const node = (args: string[]) => run(process.execPath, args, project);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'token-issuer-sdk-'));
    const packOutput = await run('npm', ['pack', '--json', '--pack-destination', folder], SDK);
    [packed] = JSON.parse(packOutput.slice(packOutput.indexOf('['))) as Packed[];
    project = join(folder, 'downstream');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'downstream', private: true, type: 'module' }));
    // The cache holds jose after the repository's own install; the registry answers what it lacks.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(folder, packed.filename)], project);

    issuer = await TestApp.start();
    const entity = (await issuer.adminCreate('/admin/entities', { name: 'SDK Package AS', type: 'organisation', business_id: '914141414', business_id_type: 'org' })).id;
    client = await issuer.createClient(entity, ['read:data']);
  }, 180_000);

  afterAll(async () => {
    await issuer?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('ships compiled JavaScript and declarations only, each built from a source file of today', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'dist/sdk/src/index.js', 'dist/sdk/src/index.d.ts', 'dist/sdk/src/token.guard.js', 'dist/src/contract/wire.d.ts', 'dist/src/contract/urns.js']));
    for (const path of paths.filter((path) => path !== 'package.json' && path !== 'README.md')) {
      const match = /^dist\/(sdk\/src|src)\/(.+)\.(js|d\.ts)$/.exec(path);
      expect({ path, shipped: match !== null }).toEqual({ path, shipped: true });
      // A file left in dist/ by a source that is gone would ship too: each output has its source.
      const source = match![1] === 'sdk/src' ? join(SDK, 'src', `${match![2]}.ts`) : join(ROOT, 'src', `${match![2]}.ts`);
      expect({ path, hasSource: existsSync(source) }).toEqual({ path, hasSource: true });
    }
    expect(packed.unpackedSize).toBeLessThan(MAX_PACKAGE_BYTES);
  });

  it("lists in its build every file of the server's src/ that it ships, so that a change to one rebuilds it", () => {
    // `tsc -b` judges the build up to date by the files `include` lists; an imported file it does not list would go stale.
    const tsconfig = JSON.parse(readFileSync(join(SDK, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    const listed = tsconfig.include.map((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}$`));
    const taken = packed.files.map((file) => /^dist\/src\/(.+)\.js$/.exec(file.path)?.[1]).filter((path) => path !== undefined).map((path) => `../src/${path}.ts`);
    expect(taken).toContain('../src/contract/wire.ts');
    expect(taken.filter((path) => !listed.some((pattern) => pattern.test(path)))).toEqual([]);
  });

  it('is not imported by the server: nothing in src/ names the SDK', () => {
    const importers = sourceFiles(join(ROOT, 'src')).filter((file) => /from\s+['"](?:@token-issuer\/sdk|(?:\.\.\/)+sdk\/)/.test(readFileSync(file, 'utf8')));
    expect(importers).toEqual([]);
  });

  it('installs the package and jose, nothing else, in under 1 MB; Nest is an optional peer', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((path) => path !== '').sort()).toEqual(['node_modules/@token-issuer/sdk', 'node_modules/jose']);
    expect(bytesUnder(join(project, 'node_modules'))).toBeLessThan(MAX_INSTALL_BYTES);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@token-issuer/sdk/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['jose']);
    expect(manifest.peerDependenciesMeta).toEqual({ '@nestjs/common': { optional: true } });
  });

  it('gets a token with TokenSession and verifies it with TokenVerifier, from an ESM script of the project', async () => {
    const keyFile = join(project, 'client.key');
    writeFileSync(keyFile, client.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(
      join(project, 'use-sdk.mjs'),
      `import { readFileSync } from 'node:fs';
import { TokenSession, TokenVerifier } from '@token-issuer/sdk';

const [issuerUrl, baseUrl, clientId, keyFile] = process.argv.slice(2);
// The issuer's PUBLIC_URL is not where it listens here: the token endpoint and JWKS are given apart.
const session = new TokenSession({ clientId, privateKey: readFileSync(keyFile, 'utf8'), issuerUrl, tokenEndpoint: baseUrl + '/auth/token' });
const token = await session.token();
const verified = await new TokenVerifier({ issuer: issuerUrl, jwksUri: baseUrl + '/auth/jwks' }).verify(token, 'read:data');
const refused = await new TokenVerifier({ issuer: issuerUrl, jwksUri: baseUrl + '/auth/jwks' }).verify(token, 'manage:data').catch((error) => error.error);
const userinfo = await session.fetch(baseUrl + '/auth/userinfo');
console.log(JSON.stringify({ clientId: verified.clientId, scope: verified.scope, cached: (await session.token()) === token, refused, userinfo: userinfo.status }));
`,
    );
    const output = JSON.parse(await node(['use-sdk.mjs', PUBLIC_URL, issuer.baseUrl, client.clientId, keyFile]));
    expect(output).toEqual({ clientId: client.clientId, scope: 'read:data', cached: true, refused: 'insufficient_scope', userinfo: 200 });
  });

  it('loads with require() too (Node 20.19+ requires ES modules: no CommonJS build is needed)', async () => {
    const output = await node(['-e', "const sdk = require('@token-issuer/sdk'); console.log(typeof sdk.TokenSession, typeof sdk.TokenVerifier, typeof sdk.tokenMiddleware)"]);
    expect(output.trim()).toBe('function function function');
  });

  it('keeps Nest out of the main entry: the guard, @token-issuer/sdk/nest, alone asks for @nestjs/common', async () => {
    const output = await node(['--input-type=module', '-e', "await import('@token-issuer/sdk/nest').then(() => console.log('loaded'), (error) => console.log(error.code, error.message))"]);
    expect(output).toMatch(/^ERR_MODULE_NOT_FOUND Cannot find package '@nestjs\/common'/);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

function bytesUnder(path: string): number {
  const stat = statSync(path);
  return stat.isDirectory() ? readdirSync(path).reduce((sum, name) => sum + bytesUnder(join(path, name)), 0) : stat.size;
}
