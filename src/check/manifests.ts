// Kubernetes YAML (multi-document, `List`s) → the images its pod templates use, for the `check`
// command. The four watched kinds come from the same table the exporter watches with.
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { WORKLOAD_KINDS, type KubeObject } from '../kube/workload-kinds.js';

export type ManifestImage = { workload: string; container: string; image: string; pullSecrets: string[] };

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

export class ManifestError extends Error {}

export function imagesInManifests(text: string, source: string): ManifestImage[] {
  const images: ManifestImage[] = [];
  for (const [position, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length > 0) throw new ManifestError(`${source}: document ${position + 1}: ${document.errors[0].message.split('\n')[0]}`);
    collect(document.toJS(), images);
  }
  return images;
}

function collect(object: unknown, images: ManifestImage[]): void {
  if (!object || typeof object !== 'object') return;
  const typed = object as KubeObject & { kind?: string; items?: unknown[] };
  if (typeof typed.kind === 'string' && typed.kind.endsWith('List') && Array.isArray(typed.items)) {
    typed.items.forEach((item) => collect(item, images));
    return;
  }
  const podSpec = POD_SPEC_BY_KIND[String(typed.kind ?? '').toLowerCase()]?.(typed);
  if (!podSpec) return;
  const workload = `${typed.kind}/${typed.metadata?.namespace ? `${typed.metadata.namespace}/` : ''}${typed.metadata?.name ?? '(unnamed)'}`;
  const pullSecrets = (podSpec.imagePullSecrets ?? []).map((ref) => ref?.name).filter((name): name is string => !!name);
  for (const container of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
    if (!container) continue;
    images.push({ workload, container: String(container.name ?? ''), image: typeof container.image === 'string' ? container.image : '', pullSecrets });
  }
}
