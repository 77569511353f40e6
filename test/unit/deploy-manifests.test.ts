import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { parseTrustProxy } from '../../src/config/trust-proxy.js';
import { kustomize, readManifests, strategicMerge, type Manifest } from '../support/kustomize.js';
import { SECRET_VARIABLES, serviceVariables } from '../support/service-variables.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DEPLOY = `${ROOT}deploy/kubernetes`;
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'v1 Secret': Secret,
};
const cnpgCluster = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(`${ROOT}test/support/schemas/cnpg-cluster.subset.schema.json`, 'utf8')));

/** Schema errors of one manifest: Kubernetes' own schemas (kubernetes-models), the CNPG Cluster's from its CRD. */
function schemaErrors(manifest: Manifest): string[] {
  if (manifest.apiVersion === 'postgresql.cnpg.io/v1' && manifest.kind === 'Cluster') {
    const errors = cnpgCluster(manifest) ? [] : cnpgCluster.errors!.map((error) => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
    return [...errors, ...schemaErrors({ apiVersion: 'v1', kind: 'ResourceRequirements', ...manifest.spec.resources })];
  }
  const Model = manifest.kind === 'ResourceRequirements' ? ResourceRequirements : MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (Model === undefined) return [`no schema for ${manifest.apiVersion} ${manifest.kind}`];
  try {
    const { apiVersion, kind, ...rest } = manifest;
    new Model(manifest.kind === 'ResourceRequirements' ? rest : manifest).validate();
    return [...unknownFields(Model, manifest)];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * Fields the schema does not know. The generated validators ignore unknown
 * properties (the API server would prune them silently: a misspelt probe is a
 * missing probe), so each field is replaced in turn by a value no schema type
 * accepts, and a field whose replacement raises no error is unknown.
 */
function unknownFields(Model: new (data: any) => { validate(): void }, manifest: Manifest): string[] {
  const unknown: string[] = [];
  const errorsAt = (document: Manifest): string[] => {
    try {
      new Model(document).validate();
      return [];
    } catch (error) {
      return ((error as { errors?: { instancePath: string }[] }).errors ?? []).map((item) => item.instancePath);
    }
  };
  const walk = (node: any, path: (string | number)[]) => {
    if (Array.isArray(node)) return node.forEach((item, index) => walk(item, [...path, index]));
    if (typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
      const probe = structuredClone(manifest);
      let parent = probe;
      for (const step of path) parent = parent[step];
      parent[key] = Symbol('probe');
      const pointer = `/${[...path, key].map((step) => String(step).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
      if (!errorsAt(probe).some((instancePath) => instancePath === pointer)) unknown.push(`${pointer} is not a field of ${manifest.kind}`);
      else walk(node[key], [...path, key]);
    }
  };
  const { apiVersion, kind, ...rest } = manifest;
  walk(Model === ResourceRequirements ? rest : manifest, []);
  return unknown;
}

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((manifest) => manifest.kind === kind);
const one = (manifests: Manifest[], kind: string) => {
  const found = byKind(manifests, kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const podSpec = (manifests: Manifest[]) => one(manifests, 'Deployment').spec.template.spec;
const allContainers = (manifests: Manifest[]): Manifest[] => [...(podSpec(manifests).initContainers ?? []), ...podSpec(manifests).containers];
const envOf = (container: Manifest): Map<string, Manifest> => new Map((container.env ?? []).map((entry: Manifest) => [entry.name, entry]));
const cores = (quantity: string) => (quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity));

const base = kustomize(`${DEPLOY}/base`);
const production = kustomize(`${DEPLOY}/overlays/production`);
const postgres = kustomize(`${DEPLOY}/postgres`);
const exampleSecret = readManifests(`${DEPLOY}/secret.example.yaml`);

describe('the Kubernetes manifests', () => {
  it.each([
    ['base', base],
    ['production', production],
    ['postgres', postgres],
    ['secret.example.yaml', exampleSecret],
  ])('%s: every manifest is valid against its schema, with no unknown field', (_name, manifests) => {
    expect(manifests.length).toBeGreaterThan(0);
    expect(manifests.map((manifest) => ({ [`${manifest.kind} ${manifest.metadata.name}`]: schemaErrors(manifest) }))).toEqual(manifests.map((manifest) => ({ [`${manifest.kind} ${manifest.metadata.name}`]: [] })));
  });

  it('the schema check catches what the API server would prune or refuse', () => {
    const deployment = one(base, 'Deployment');
    const misspelt = strategicMerge(deployment, { spec: { template: { spec: { containers: [{ name: 'token-issuer', readinesProbe: { httpGet: { path: '/health/ready', port: 'http' } } }] } } } });
    expect(schemaErrors(misspelt)).toEqual(['/spec/template/spec/containers/0/readinesProbe is not a field of Deployment']);
    const wrongType = strategicMerge(deployment, { spec: { template: { spec: { terminationGracePeriodSeconds: '45' } } } });
    expect(schemaErrors(wrongType).join()).toMatch(/terminationGracePeriodSeconds must be integer/);
    const cluster = one(postgres, 'Cluster');
    expect(schemaErrors({ ...cluster, spec: { ...cluster.spec, instance: 3 } }).join()).toMatch(/must NOT have additional properties/);
    expect(schemaErrors({ ...cluster, spec: { ...cluster.spec, instances: 0 } }).join()).toMatch(/must be >= 1/);
  });

  it('build the overlay as kustomize does: the base patched, the image renamed, everything in the namespace', () => {
    expect(production.map((manifest) => `${manifest.kind}/${manifest.metadata.namespace}/${manifest.metadata.name}`).sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service'].map((kind) => `${kind}/token-issuer/token-issuer`),
    );
    const containers = allContainers(production);
    expect(containers.map((container) => container.image)).toEqual(['registry.example.com/token-issuer:0.1.0', 'registry.example.com/token-issuer:0.1.0']);
    const env = envOf(podSpec(production).containers[0]);
    // Patched entries replaced in place, the others kept.
    expect(env.get('PUBLIC_URL')!.value).toBe('https://issuer.example.com');
    expect([...env.keys()]).toEqual([...envOf(podSpec(base).containers[0]).keys()]);
    expect(podSpec(production).topologySpreadConstraints.map((constraint: Manifest) => constraint.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    expect(podSpec(production).containers[0].readinessProbe).toEqual(podSpec(base).containers[0].readinessProbe);
  });

  it('production: more pods, Guaranteed QoS, the public https address, the ingress controller as the only trusted proxy', () => {
    expect(one(production, 'HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThan(one(base, 'HorizontalPodAutoscaler').spec.minReplicas);
    expect(one(production, 'HorizontalPodAutoscaler').spec.maxReplicas).toBeGreaterThan(one(base, 'HorizontalPodAutoscaler').spec.maxReplicas);
    const { resources } = podSpec(production).containers[0];
    expect(resources.requests).toEqual(resources.limits);
    const env = envOf(podSpec(production).containers[0]);
    expect(env.get('PUBLIC_URL')!.value).toMatch(/^https:\/\//);
    const trusted = parseTrustProxy(env.get('TRUST_PROXY')!.value, []);
    expect(trusted).not.toBe(false);
    expect(env.get('TRUST_PROXY')!.value).toMatch(/^[0-9.]+\/\d+$/); // a CIDR, not a hop count
  });

  it.each([
    ['base', base],
    ['production', production],
  ])('%s: the service is wired as it runs', (_name, manifests) => {
    const spec = podSpec(manifests);
    const [service] = spec.containers;
    const [migrate] = spec.initContainers;
    // Probes on the health endpoints, through the named port the Service targets.
    expect([service.startupProbe.httpGet.path, service.livenessProbe.httpGet.path, service.readinessProbe.httpGet.path]).toEqual(['/health/live', '/health/live', '/health/ready']);
    expect(service.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
    expect(one(manifests, 'Service').spec.ports[0].targetPort).toBe('http');
    // One worker per core of the CPU limit.
    expect(Number(envOf(service).get('WORKERS')!.value)).toBe(cores(service.resources.limits.cpu));
    // Graceful termination outlasts the preStop pause plus the primary's drain (WORKER_STOP_TIMEOUT_MS in main.ts).
    const drainMs = Number(/WORKER_STOP_TIMEOUT_MS = ([\d_]+)/.exec(readFileSync(`${ROOT}src/main.ts`, 'utf8'))![1].replace(/_/g, ''));
    const preStop = Number(service.lifecycle.preStop.exec.command[1]);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drainMs / 1000);
    // Non-root, read-only, no privileges; /tmp writable.
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
    for (const container of [service, migrate]) expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(service.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    // Migrations: npm run migrate's entry point, from the same image, before the service starts.
    expect(migrate.command).toEqual(['node', 'dist/src/database/migrate-cli.js']);
    expect(JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).scripts.migrate).toContain('node dist/src/database/migrate-cli.js');
    expect(migrate.image).toBe(service.image);
    // Every selector finds the pods.
    const labels = one(manifests, 'Deployment').spec.template.metadata.labels;
    for (const selector of [one(manifests, 'Deployment').spec.selector.matchLabels, one(manifests, 'PodDisruptionBudget').spec.selector.matchLabels, one(manifests, 'Service').spec.selector]) {
      expect(labels).toMatchObject(selector);
    }
    expect(one(manifests, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: one(manifests, 'Deployment').metadata.name });
  });

  it.each([
    ['base', base],
    ['production', production],
  ])('%s: every variable set is one the service reads, secrets come from the Secret, and the settings pass the service\'s own checks', (_name, manifests) => {
    const read = serviceVariables();
    const secretKeys = Object.keys(one(exampleSecret, 'Secret').stringData);
    for (const container of allContainers(manifests)) {
      for (const [name, entry] of envOf(container)) {
        expect({ [name]: read.has(name) }).toEqual({ [name]: true });
        if (SECRET_VARIABLES.includes(name)) {
          expect({ [name]: entry.value }).toEqual({ [name]: undefined });
          expect(entry.valueFrom.secretKeyRef).toMatchObject({ name: 'token-issuer', key: name });
          expect(secretKeys).toContain(name);
        } else {
          expect({ [name]: entry.valueFrom }).toEqual({ [name]: undefined });
          expect(looksSecret(entry.value)).toBe(false);
        }
      }
      expect(container.envFrom).toBeUndefined();
    }
    // Every secret the service takes is wired in.
    expect([...envOf(podSpec(manifests).containers[0]).keys()].filter((name) => SECRET_VARIABLES.includes(name)).sort()).toEqual([...SECRET_VARIABLES].sort());
    // No ConfigMap (nor anything else but a Secret) carries a secret.
    for (const manifest of manifests.filter((item) => item.kind !== 'Secret')) {
      expect(strings(manifest).filter(looksSecret)).toEqual([]);
    }
    // The literal settings, with real secrets beside them, are a configuration the service accepts.
    const literals = Object.fromEntries([...envOf(podSpec(manifests).containers[0])].filter(([, entry]) => entry.value !== undefined).map(([name, entry]) => [name, entry.value]));
    expect(() => loadConfig({ ...literals, DATABASE_URL: 'postgres://u:p@db:5432/token_issuer', TOKEN_SECRET: 'x'.repeat(48) })).not.toThrow();
  });

  it('the example Secret holds placeholders only, each of which the service refuses, naming it', () => {
    const { stringData, data } = one(exampleSecret, 'Secret');
    expect(data).toBeUndefined();
    expect(Object.keys(stringData).sort()).toEqual([...SECRET_VARIABLES].sort());
    for (const value of Object.values(stringData)) expect(value).toMatch(/^REPLACE-ME\b/);
    // Each placeholder alone, beside valid values for the rest, stops the service with a problem naming it.
    const valid: Record<string, string> = {
      DATABASE_URL: 'postgres://u:p@db:5432/token_issuer',
      TOKEN_SECRET: 'x'.repeat(48),
      BOOTSTRAP_OPERATOR_CLIENT_ID: randomUUID(),
      BOOTSTRAP_OPERATOR_PUBLIC_KEY: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
    expect(() => loadConfig(valid)).not.toThrow();
    for (const name of SECRET_VARIABLES) {
      let problems: readonly string[] = [];
      try {
        loadConfig({ ...valid, [name]: stringData[name] });
      } catch (error) {
        problems = (error as ConfigError).problems;
      }
      expect({ [name]: problems.some((problem) => problem.startsWith(`${name} `)) }).toEqual({ [name]: true });
    }
  });

  it('the example Postgres is a CloudNativePG Cluster with room for every pod the autoscaler may start', () => {
    const cluster = one(postgres, 'Cluster');
    expect(cluster.spec.instances).toBeGreaterThanOrEqual(3);
    const perProcess = Number(envOf(podSpec(production).containers[0]).get('DATABASE_POOL_SIZE')!.value) + 2 + 1; // pool, jti claims, listener
    const perPod = perProcess * Number(envOf(podSpec(production).containers[0]).get('WORKERS')!.value);
    expect(perPod * one(production, 'HorizontalPodAutoscaler').spec.maxReplicas).toBeLessThan(Number(cluster.spec.postgresql.parameters.max_connections) - 20);
  });
});

/** Every string in a manifest. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (typeof node === 'object' && node !== null) return Object.values(node).flatMap(strings);
  return [];
}

/** A value shaped like a secret: a URL with a password, a private key, a JWK's private part, or a long random-looking string. */
function looksSecret(value: string): boolean {
  return /:\/\/[^/:@\s]+:[^/@\s]+@/.test(value) || /PRIVATE KEY/.test(value) || /"d"\s*:/.test(value) || /^[A-Za-z0-9+/_=-]{32,}$/.test(value);
}
