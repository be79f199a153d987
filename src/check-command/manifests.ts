// Kubernetes YAML (multi-document, `List`s) → what the `check` command needs: the workloads with
// their pod specs, and the pull secrets and ServiceAccounts among the manifests (as `helm template`
// prints them), keyed by namespace/name. The four watched kinds come from the table the exporter
// watches with, including when a workload counts as disabled.
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { WORKLOAD_KINDS, type KindName } from '../kube/workload-kinds.js';
import type { KubeObject } from '../kube/kube-object.js';

export type ManifestWorkload = {
  /** The object's kind as written (Deployment, Job, Pod, ...). */
  kind: string;
  namespace: string;
  name: string;
  podSpec: k8s.V1PodSpec;
  /** The exporter's kind when it is one of the four it watches. */
  watchedKind?: KindName;
  /** Scaled to zero or suspended: the exporter skips it unless forced. */
  disabled: boolean;
  annotations?: unknown;
};

export type Manifests = {
  workloads: ManifestWorkload[];
  /** Secrets by namespace/name, data as the API server would hold it (stringData merged in). */
  secrets: Map<string, k8s.V1Secret>;
  /** ServiceAccounts' imagePullSecrets names by namespace/name. */
  serviceAccountSecrets: Map<string, string[]>;
};

type PodSpecOf = (object: KubeObject) => k8s.V1PodSpec | undefined;
const templateSpec: PodSpecOf = (object) => (object.spec as { template?: k8s.V1PodTemplateSpec } | undefined)?.template?.spec;

const POD_SPEC_BY_KIND: Record<string, PodSpecOf> = {
  ...Object.fromEntries(WORKLOAD_KINDS.map((kind) => [kind.kind, kind.podSpec])),
  pod: (object) => object.spec as k8s.V1PodSpec | undefined,
  job: templateSpec,
  replicaset: templateSpec,
  replicationcontroller: templateSpec,
  podtemplate: (object) => (object as { template?: k8s.V1PodTemplateSpec }).template?.spec,
};

/** Objects read from one input at most, so a huge or hostile stream cannot exhaust memory. */
const MAX_OBJECTS = 100_000;

export class ManifestError extends Error {}

/** Adds the objects of one input (a file or stdin, named `source`) to `into`. */
export function readManifests(text: string, source: string, defaultNamespace: string, into: Manifests = emptyManifests()): Manifests {
  let count = 0;
  for (const [position, document] of parseAllDocuments(text).entries()) {
    const error = document.errors[0];
    if (error) {
      const [line, column] = [error.linePos?.[0]?.line, error.linePos?.[0]?.col];
      const where = line ? `line ${line}, column ${column}` : `document ${position + 1}`;
      // yaml's message ends with "at line L, column C:" and a quoted excerpt on the next lines.
      const what = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
      throw new ManifestError(`${source}: ${where}: ${what}; fix the YAML (every document must be valid, not only the workloads)`);
    }
    collect(document.toJS(), into, defaultNamespace, () => {
      if (++count > MAX_OBJECTS) throw new ManifestError(`${source}: more than ${MAX_OBJECTS} objects; split the input`);
    });
  }
  return into;
}

export function emptyManifests(): Manifests {
  return { workloads: [], secrets: new Map(), serviceAccountSecrets: new Map() };
}

type AnyObject = KubeObject & { kind?: unknown; items?: unknown; type?: unknown; data?: unknown; stringData?: unknown; imagePullSecrets?: unknown };

function collect(value: unknown, into: Manifests, defaultNamespace: string, counted: () => void): void {
  if (!value || typeof value !== 'object') return;
  const object = value as AnyObject;
  counted();
  const kind = typeof object.kind === 'string' ? object.kind : '';
  if (kind.endsWith('List') && Array.isArray(object.items)) {
    object.items.forEach((item) => collect(item, into, defaultNamespace, counted));
    return;
  }
  const namespace = typeof object.metadata?.namespace === 'string' && object.metadata.namespace ? object.metadata.namespace : defaultNamespace;
  const name = typeof object.metadata?.name === 'string' ? object.metadata.name : '(unnamed)';
  if (kind === 'Secret') {
    into.secrets.set(`${namespace}/${name}`, secretOf(object));
    return;
  }
  if (kind === 'ServiceAccount') {
    const names = Array.isArray(object.imagePullSecrets) ? object.imagePullSecrets.map((ref) => (ref as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string') : [];
    into.serviceAccountSecrets.set(`${namespace}/${name}`, names);
    return;
  }
  const podSpec = POD_SPEC_BY_KIND[kind.toLowerCase()]?.(object);
  if (!podSpec || typeof podSpec !== 'object') return;
  const watched = WORKLOAD_KINDS.find((entry) => entry.objectKind === kind);
  into.workloads.push({ kind, namespace, name, podSpec, watchedKind: watched?.kind, disabled: watched?.disabled(object) ?? false, annotations: object.metadata?.annotations });
}

/** A Secret as the API server would store it: stringData merged into data, base64-encoded. */
function secretOf(object: AnyObject): k8s.V1Secret {
  const data: Record<string, string> = {};
  if (object.data && typeof object.data === 'object') {
    for (const [key, value] of Object.entries(object.data)) if (typeof value === 'string') data[key] = value;
  }
  if (object.stringData && typeof object.stringData === 'object') {
    for (const [key, value] of Object.entries(object.stringData)) if (typeof value === 'string') data[key] = Buffer.from(value).toString('base64');
  }
  return { type: typeof object.type === 'string' ? object.type : undefined, data };
}
