// How the availability gauges are named (--metrics-format): the seed's one family per kind and
// status, `k8s_image_availability_exporter_<kind>_<status>{namespace,<kind>,container,image}` (the
// Go exporter's names before v0.7), or one family per status with the kind as a label,
// `k8s_image_availability_exporter_<status>{namespace,kind,name,container,image}` (its names since
// v0.7), or both at once for a migration window. Pods, Jobs and --extra-workload kinds follow the
// same patterns (`..._pod_absent{namespace,pod,...}`, `..._job_absent{namespace,job_name,...}`,
// `..._absent{kind="rollout",...}`). Only naming lives here; metrics.ts renders.
import { KIND_NAMES, type KindName } from '../kube/workload-kinds.js';
import { STATUSES, type Status } from '../status.js';

export const METRIC_PREFIX = 'k8s_image_availability_exporter';

export const METRICS_FORMATS = ['per-kind', 'unified', 'both'] as const;
export type MetricsFormat = (typeof METRICS_FORMATS)[number];

/** One checked container, its label values already escaped for the exposition format. */
export type AvailabilityRow = { kind: KindName; namespace: string; name: string; container: string; image: string; status: Status };

/** How a row's labels are written; the families of one format share it, so a row is written once per format. */
export type LabelSet = (row: AvailabilityRow) => string;

const PER_KIND_LABELS: LabelSet = (row) => `namespace="${row.namespace}",${workloadLabel(row.kind)}="${row.name}",container="${row.container}",image="${row.image}"`;
const UNIFIED_LABELS: LabelSet = (row) => `namespace="${row.namespace}",kind="${row.kind}",name="${row.name}",container="${row.container}",image="${row.image}"`;

export type AvailabilityFamily = {
  name: string;
  help: string;
  status: Status;
  /** The kinds whose rows this family has. */
  kinds: readonly KindName[];
  labels: LabelSet;
};

/**
 * The label that names the workload in a per-kind family: the kind itself, except for the labels
 * Prometheus gives every target (job, instance), which a series must not override: job_name, as
 * kube-state-metrics names it.
 */
export function workloadLabel(kind: KindName): string {
  return kind === 'job' || kind === 'instance' ? `${kind}_name` : kind;
}

export function perKindFamily(kind: KindName, status: Status): string {
  return `${METRIC_PREFIX}_${kind}_${status}`;
}

export function unifiedFamily(status: Status): string {
  return `${METRIC_PREFIX}_${status}`;
}

/** The families of a format for these kinds (the four controller kinds by default), in the order they are rendered. */
export function availabilityFamilies(format: MetricsFormat, kinds: readonly KindName[] = KIND_NAMES): AvailabilityFamily[] {
  const perKind = kinds.flatMap((kind) =>
    STATUSES.map((status) => ({
      name: perKindFamily(kind, status),
      help: `1 when the image of this ${kind} container is ${words(status)}, else 0.`,
      status,
      kinds: [kind],
      labels: PER_KIND_LABELS,
    })),
  );
  const unified = STATUSES.map((status) => ({
    name: unifiedFamily(status),
    help: `1 when the image of this container of the workload (kind, name) is ${words(status)}, else 0.`,
    status,
    kinds,
    labels: UNIFIED_LABELS,
  }));
  if (format === 'per-kind') return perKind;
  if (format === 'unified') return unified;
  return [...perKind, ...unified];
}

function words(status: Status): string {
  return status.replace(/_/g, ' ');
}
