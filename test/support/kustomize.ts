import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = Record<string, any>;

/** The kustomization fields this resolver implements; any other field fails the build rather than being ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);

/** Merge keys of the lists the patches touch, by field name (Kubernetes' strategic merge patch); other lists are replaced. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  topologySpreadConstraints: 'topologyKey',
};

/** Every document of a YAML file, with anchors resolved. */
export function readManifests(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0].message}`);
    return document.toJS() as Manifest;
  }).filter((manifest) => manifest !== null);
}

/**
 * `kustomize build <dir>` for the features deploy/kubernetes uses: resources
 * (files and directories), patches (strategic merge, the target named by the
 * patch's apiVersion, kind and name), images (newName, newTag) and namespace.
 */
export function kustomize(dir: string): Manifest[] {
  const [kustomization] = readManifests(join(dir, 'kustomization.yaml'));
  const unsupported = Object.keys(kustomization).filter((field) => !SUPPORTED.has(field));
  if (unsupported.length > 0) throw new Error(`${dir}/kustomization.yaml: this resolver does not implement ${unsupported.join(', ')}`);
  let manifests = (kustomization.resources ?? []).flatMap((resource: string) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? kustomize(path) : readManifests(path);
  });
  for (const { path } of kustomization.patches ?? []) {
    for (const patch of readManifests(join(dir, path))) {
      const index = manifests.findIndex((manifest: Manifest) => sameObject(manifest, patch));
      if (index < 0) throw new Error(`${dir}/${path}: no ${patch.kind} ${patch.metadata.name} to patch`);
      manifests[index] = strategicMerge(manifests[index], patch);
    }
  }
  for (const image of kustomization.images ?? []) manifests = manifests.map((manifest: Manifest) => renameImages(manifest, image));
  if (kustomization.namespace !== undefined) {
    manifests = manifests.map((manifest: Manifest) => ({ ...manifest, metadata: { ...manifest.metadata, namespace: kustomization.namespace } }));
  }
  return manifests;
}

function sameObject(a: Manifest, b: Manifest): boolean {
  return a.apiVersion === b.apiVersion && a.kind === b.kind && a.metadata?.name === b.metadata?.name;
}

export function strategicMerge(base: any, patch: any, field = ''): any {
  if (patch === null) return undefined;
  if (Array.isArray(base) && Array.isArray(patch) && MERGE_KEYS[field] !== undefined) {
    const key = MERGE_KEYS[field];
    const merged = [...base];
    for (const item of patch) {
      const at = merged.findIndex((existing) => existing[key] === item[key]);
      if (at < 0) merged.push(item);
      else merged[at] = strategicMerge(merged[at], item);
    }
    return merged;
  }
  if (isObject(base) && isObject(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [name, value] of Object.entries(patch)) {
      const next = strategicMerge(base[name], value, name);
      if (next === undefined) delete merged[name];
      else merged[name] = next;
    }
    return merged;
  }
  return patch;
}

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The images transformer: every `image` field whose name (before the tag or digest) matches. */
function renameImages(node: any, image: { name: string; newName?: string; newTag?: string }): any {
  if (Array.isArray(node)) return node.map((item) => renameImages(item, image));
  if (!isObject(node)) return node;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(node)) {
    if (name === 'image' && typeof value === 'string') {
      const match = /^(.*?)(?::([^:/@]+))?(@.*)?$/.exec(value)!;
      result[name] = match[1] === image.name ? `${image.newName ?? match[1]}${image.newTag !== undefined ? `:${image.newTag}` : match[2] !== undefined ? `:${match[2]}` : ''}${image.newTag === undefined ? (match[3] ?? '') : ''}` : value;
    } else {
      result[name] = renameImages(value, image);
    }
  }
  return result;
}
