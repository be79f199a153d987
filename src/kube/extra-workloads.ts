// --extra-workload: any namespaced resource with a pod template, configured rather than coded.
// `group/version/resource:templatePath[:replicas=path][:suspend=path]`, e.g.
// `argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas`: the pod template is at
// templatePath, the workload counts as disabled when the replicas field is 0 or the suspend field
// is true. The kind's name in metric families is the resource's Kind in lowercase (Rollout →
// rollout), learnt from the API server's discovery document, as kubectl names it.
import type * as k8s from '@kubernetes/client-node';
import { printable } from '../bounds/printable.js';
import type { KubeApi } from './kube-api.js';
import type { WorkloadKind } from './workload-kinds.js';

export type ExtraWorkload = {
  /** The setting as written, for messages. */
  text: string;
  group: string;
  version: string;
  resource: string;
  templatePath: string[];
  replicasPath?: string[];
  suspendPath?: string[];
};

export const MAX_EXTRA_WORKLOADS = 20;
const MAX_PATH_SEGMENTS = 12;
/** A group version's discovery document lists its resources: kilobytes, not megabytes. */
const MAX_DISCOVERY_BYTES = 4 * 1024 * 1024;
const GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const RESOURCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const EXAMPLE = 'argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas';

export class ExtraWorkloadError extends Error {}

export function parseExtraWorkloads(values: readonly string[]): ExtraWorkload[] {
  if (values.length > MAX_EXTRA_WORKLOADS) throw new ExtraWorkloadError(`at most ${MAX_EXTRA_WORKLOADS} extra workload resources, got ${values.length}`);
  const parsed = values.map(parseExtraWorkload);
  const seen = new Set<string>();
  for (const workload of parsed) {
    const key = `${workload.group}/${workload.resource}`;
    if (seen.has(key)) throw new ExtraWorkloadError(`${workload.text}: ${key} is named twice; give each resource once`);
    seen.add(key);
  }
  return parsed;
}

function parseExtraWorkload(text: string): ExtraWorkload {
  const fail = (why: string): never => {
    throw new ExtraWorkloadError(`"${text.slice(0, 200)}": ${why}; write group/version/resource:templatePath[:replicas=path][:suspend=path], e.g. ${EXAMPLE}`);
  };
  const [gvr, templatePath, ...options] = text.split(':');
  const parts = gvr.split('/');
  if (parts.length !== 3) fail('the resource must be group/version/resource (core resources are watched already)');
  const [group, version, resource] = parts;
  if (!GROUP.test(group)) fail(`"${group}" is not an API group`);
  if (!VERSION.test(version)) fail(`"${version}" is not an API version such as v1 or v1alpha1`);
  if (!RESOURCE.test(resource)) fail(`"${resource}" is not a resource name (lowercase plural, e.g. rollouts)`);
  if (templatePath === undefined) fail('the path of the pod template is missing');
  const workload: ExtraWorkload = { text, group, version, resource, templatePath: path(templatePath, 'template', fail) };
  for (const option of options) {
    const [name, value, ...rest] = option.split('=');
    if (rest.length > 0 || value === undefined) fail(`"${option}" is not name=path`);
    if (name === 'replicas' && !workload.replicasPath) workload.replicasPath = path(value, name, fail);
    else if (name === 'suspend' && !workload.suspendPath) workload.suspendPath = path(value, name, fail);
    else fail(`"${name}" is not an option (replicas or suspend, each once)`);
  }
  return workload;
}

function path(text: string, what: string, fail: (why: string) => never): string[] {
  const segments = text.split('.');
  if (segments.length > MAX_PATH_SEGMENTS || segments.some((segment) => !SEGMENT.test(segment))) fail(`the ${what} path "${text}" is not a dotted field path such as spec.template`);
  return segments;
}

export function fieldAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const segment of path) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The table row of an extra workload, from the Kind its API server serves it as. */
export function extraWorkloadKind(workload: ExtraWorkload, objectKind: string): WorkloadKind {
  const { group, version, resource } = workload;
  return {
    kind: objectKind.toLowerCase().replace(/[^a-z0-9_]/g, '_'),
    objectKind,
    apiVersion: `${group}/${version}`,
    apiPath: `/apis/${group}/${version}/${resource}`,
    resource: `${resource}.${group}`,
    podSpec: (object) => (fieldAt(object, workload.templatePath) as k8s.V1PodTemplateSpec | undefined)?.spec,
    disabled: (object) =>
      (workload.replicasPath !== undefined && fieldAt(object, workload.replicasPath) === 0) || (workload.suspendPath !== undefined && fieldAt(object, workload.suspendPath) === true),
    finished: () => false,
  };
}

/**
 * Asks the API server's discovery document of the group version for the resource's Kind. Fails
 * with a message saying what to fix when the resource is not served, not namespaced, or cannot
 * be listed and watched.
 */
export async function discoverKind(api: KubeApi, workload: ExtraWorkload): Promise<string> {
  let list: { resources?: unknown };
  try {
    list = await api.get(`/apis/${workload.group}/${workload.version}`, { maxBytes: MAX_DISCOVERY_BYTES });
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (code === 404) throw new ExtraWorkloadError(`${workload.group}/${workload.version} is not served by the API server: install the CustomResourceDefinition of ${workload.resource}.${workload.group}, or correct the version`);
    throw error;
  }
  const resources = (Array.isArray(list?.resources) ? list.resources : []) as Array<Partial<k8s.V1APIResource> | null>;
  const found = resources.find((entry) => entry?.name === workload.resource);
  if (!found) {
    const served = resources.map((entry) => entry?.name).filter((name): name is string => typeof name === 'string' && !name.includes('/')).slice(0, 20).join(', ');
    throw new ExtraWorkloadError(`${workload.group}/${workload.version} has no resource ${workload.resource} (it serves: ${printable(served, 400) || 'none'}); correct the resource name`);
  }
  if (!found.namespaced) throw new ExtraWorkloadError(`${workload.resource}.${workload.group} is cluster-scoped; only namespaced resources can be checked (their pull secrets live in a namespace)`);
  if (!Array.isArray(found.verbs) || !found.verbs.includes('list') || !found.verbs.includes('watch')) throw new ExtraWorkloadError(`${workload.resource}.${workload.group} cannot be listed and watched`);
  if (typeof found.kind !== 'string' || found.kind === '') throw new ExtraWorkloadError(`the API server's discovery document names no Kind for ${workload.resource}.${workload.group}; check the CustomResourceDefinition`);
  return found.kind;
}
