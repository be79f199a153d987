// Warning Events on workloads whose image turned unavailable, so `kubectl describe` shows what
// the metrics say. Opt-in (--record-events; the chart then grants `create` on events), recorded
// only on a change of status, at most once an hour per workload container and status, and never
// more than a few per second in all.
import type { CheckRecord } from '../checks/results.js';
import type { CheckUnit, ImageIndex, Usage } from '../index/image-index.js';
import type { Logger } from '../log/log.js';
import type { Status } from '../status.js';
import type { KubeApi } from './kube-api.js';
import type { KindName, WorkloadKind } from './workload-kinds.js';

export const EVENT_REASON = 'ImageUnavailable';
const RECORDED: ReadonlySet<Status> = new Set(['absent', 'authentication_failure', 'authorization_failure']);
const REPEAT_AFTER_MS = 60 * 60 * 1000;
const MAX_PER_SECOND = 5;
const EVENT_TIMEOUT_MS = 10_000;

export class EventRecorder {
  private readonly lastRecorded = new Map<string, number>();
  private windowStart = 0;
  private inWindow = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly index: ImageIndex,
    private readonly log: Logger,
    /** The watched kind of this name: its Kind and apiVersion for the event's object reference. */
    private readonly kindNamed: (kind: KindName) => Pick<WorkloadKind, 'objectKind' | 'apiVersion'> | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called after every check; records only when the status changed into one that breaks pulls. */
  checked(unit: CheckUnit, record: CheckRecord, previous: CheckRecord | undefined): void {
    if (!RECORDED.has(record.status) || previous?.status === record.status) return;
    for (const usage of this.index.usages()) {
      if (usage.unit?.key === unit.key) void this.record(usage, record);
    }
  }

  private async record(usage: Usage, record: CheckRecord): Promise<void> {
    const key = `${usage.kind}/${usage.namespace}/${usage.workload}/${usage.container}/${record.status}`;
    const now = this.now();
    if ((this.lastRecorded.get(key) ?? -Infinity) > now - REPEAT_AFTER_MS) return;
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    if (++this.inWindow > MAX_PER_SECOND) return;
    this.lastRecorded.set(key, now);
    const kind = this.kindNamed(usage.kind);
    if (!kind) return;
    const time = new Date(now);
    try {
      await this.api.post(
        `/api/v1/namespaces/${encodeURIComponent(usage.namespace)}/events`,
        {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${usage.workload}.`, namespace: usage.namespace },
          involvedObject: { kind: kind.objectKind, apiVersion: kind.apiVersion, name: usage.workload, namespace: usage.namespace, uid: usage.workloadUid },
          reason: EVENT_REASON,
          type: 'Warning',
          message: `image ${usage.image} of container ${usage.container} is ${record.status.replace(/_/g, ' ')}: ${record.message}`.slice(0, 1024),
          source: { component: 'k8s-image-availability-exporter' },
          reportingComponent: 'k8s-image-availability-exporter',
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
        { timeoutMs: EVENT_TIMEOUT_MS },
      );
    } catch (error) {
      this.lastRecorded.delete(key);
      this.log.warn({ kind: usage.kind, namespace: usage.namespace, name: usage.workload, code: (error as { code?: number }).code }, 'cannot record an ImageUnavailable event (RBAC create on events?)');
    }
  }
}
