// Autosharding, as kube-state-metrics does it: a StatefulSet's pod takes its shard from its
// ordinal and the number of shards from the StatefulSet's spec.replicas. The StatefulSet is
// watched by name only (RBAC: get and watch on that one object), so `kubectl scale` reshards every
// pod within a watch event, without a restart. A pod whose ordinal is at or beyond the replicas is
// being scaled away: it checks and exports nothing, so no image is reported twice meanwhile.
import type { Shard } from '../index/image-filter.js';
import type { Logger } from '../log/log.js';
import { ApiWatch } from './api-watch.js';
import type { KubeConfig } from './client-library.js';
import type { StatefulSetPod } from './stateful-set-pod.js';
import { answerCode, describeError, restartDelay } from './watch-trouble.js';

/** More shards than this is a typo or a hostile object, not a cluster: beyond it the pod checks nothing and says so. */
const MAX_REPLICAS = 10_000;

type StatefulSetObject = { metadata?: { name?: string }; spec?: { replicas?: unknown } };

export class AutoShard {
  private readonly watcher: ApiWatch;
  private replicas?: number;
  private controller?: AbortController;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly pod: StatefulSetPod,
    private readonly namespace: string,
    private readonly onShard: (shard: Shard) => void,
    private readonly log: Logger,
  ) {
    this.watcher = new ApiWatch(kubeConfig);
  }

  /** Until the StatefulSet is read, this pod knows no shard: it checks nothing and is not ready. */
  get initialShard(): Shard {
    return { index: this.pod.ordinal, total: 0 };
  }

  start(): void {
    void this.watch();
  }

  notReadyReason(): string | undefined {
    if (this.replicas !== undefined) return undefined;
    return `waiting for the replica count of StatefulSet ${this.namespace}/${this.pod.statefulSet} (autoShard)`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async watch(): Promise<void> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(this.namespace)}/statefulsets`;
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      this.restartLater(error);
    };
    try {
      // No resourceVersion: the API server first sends the object as it is now (ADDED), so a
      // restarted watch can never miss a change made while it was down.
      this.controller = await this.watcher.watch(path, { fieldSelector: `metadata.name=${this.pod.statefulSet}` }, (phase, object) => this.onEvent(phase, object), end);
    } catch (error) {
      end(error);
    }
  }

  private onEvent(phase: string, object: unknown): void {
    if (phase === 'ERROR') {
      this.log.warn({ statefulSet: this.pod.statefulSet, error: describeError((object as { message?: unknown })?.message) }, 'watch of the exporter\'s own StatefulSet reported an error; resuming');
      return;
    }
    if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
    this.failures = 0;
    const statefulSet = object as StatefulSetObject;
    if (statefulSet?.metadata?.name !== this.pod.statefulSet) return;
    // The API server defaults replicas to 1; a missing field means that.
    const raw = statefulSet.spec?.replicas ?? 1;
    const replicas = typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 && raw <= MAX_REPLICAS ? raw : 0;
    if (replicas !== raw) {
      this.log.error({ statefulSet: this.pod.statefulSet, replicas: describeError(raw) }, `StatefulSet replicas is not a whole number from 0 to ${MAX_REPLICAS}: this pod checks nothing until it is`);
    }
    if (replicas === this.replicas) return;
    const before = this.replicas;
    this.replicas = replicas;
    const shard = { index: this.pod.ordinal, total: replicas };
    if (shard.index >= shard.total) {
      this.log.info({ ordinal: shard.index, replicas }, `this pod is beyond the ${replicas} replicas of StatefulSet ${this.pod.statefulSet} (it is being scaled away): it checks and exports nothing`);
    } else {
      this.log.info({ shard: shard.index, totalShards: replicas, previousTotalShards: before }, `checking shard ${shard.index} of ${replicas}, from the replicas of StatefulSet ${this.pod.statefulSet}`);
    }
    this.onShard(shard);
  }

  private restartLater(error: unknown): void {
    if (this.stopped) return;
    // The API server ends every watch after a while: no failure; resume after a second, so a
    // server that ends each watch at once is not asked in a tight loop.
    if (error) this.failures++;
    const delay = error ? restartDelay(this.failures) : 1000;
    if (error) {
      const code = answerCode(error);
      const detail = { statefulSet: this.pod.statefulSet, namespace: this.namespace, code, retryInSeconds: delay / 1000, error: describeError(error) };
      if (code === 401 || code === 403) {
        this.log.error(detail, `not allowed to watch the exporter's own StatefulSet: its Role in namespace ${this.namespace} needs get and watch on statefulsets.apps named ${this.pod.statefulSet}`);
      } else {
        this.log.warn(detail, 'watch of the exporter\'s own StatefulSet failed; the shard stays as it is and the watch resumes');
      }
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) void this.watch();
    }, delay);
  }
}
