// Metric families. The per-workload availability gauges are rendered from the image index and
// the check results at scrape time: for /metrics from compressed pieces kept between scrapes, so
// that a scrape after a change costs what changed (availability-pieces.ts); in full, a line at a
// time, for exposition() (and as the reference the pieces are tested against). A deleted
// workload's series vanish with it; everything else is prom-client. Per-registry series go once
// no tracked image uses the registry, and at most MAX_REGISTRY_LABELS registries get a label
// value of their own (see registry-labels.ts).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { registerProcessMetrics } from './process-metrics.js';
import { availabilityFamilies, METRIC_PREFIX, type LabelSet, type MetricsFormat } from './availability-families.js';
import type { CheckRecord, CheckResults } from '../checks/results.js';
import type { GzipBody } from '../http/gzip-body.js';
import { deflateSegment, gzipOf } from '../http/gzip-segments.js';
import { ChunkWriter } from '../http/packed-text.js';
import { AvailabilityPieces } from './availability-pieces.js';
import { escapeLabelValue, LabelTables, usageLabels, type LabelTable } from './label-tables.js';
import type { CheckUnit, ImageIndex } from '../index/image-index.js';
import type { KindName } from '../kube/workload-kinds.js';
import { checkedRows, renderedKinds } from './checked-rows.js';
import type { Status } from '../status.js';
import { apiHost } from '../registry/client.js';
import { RegistryLabels } from './registry-labels.js';
import type { Exchange } from '../registry/transport/transport.js';

export { METRIC_PREFIX, perKindFamily as availabilityFamily } from './availability-families.js';

/** Registries with a label value of their own on the per-registry families; the rest are `other`. */
export const MAX_REGISTRY_LABELS = 100;

/**
 * What the alerts on the exporter's own health read besides the checks: the check interval (so a
 * rule can tell "no check for three intervals" whatever the setting) and the failing watches.
 */
export type ExporterHealth = { checkIntervalMs: number; watchesFailing: () => number };

/** Statuses that are the registry's answer; any other means the check got none. */
const ANSWERED: ReadonlySet<Status> = new Set<Status>(['available', 'absent', 'bad_image_format']);

/** prom-client's default families that are gauges named *_total. */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly checks: Counter<'registry' | 'status'>;
  private readonly checkDuration: Histogram<'registry'>;
  private readonly lastCheck: Gauge<'registry'>;
  private readonly failingSince: Gauge<'registry'>;
  /** By registry label: when its current run of unanswered checks began (0: the latest was answered). */
  private readonly failingSinceValues = new Map<string, number>();
  private readonly requests: Counter<'registry' | 'phase' | 'outcome'>;
  private readonly registryLabels = new RegistryLabels(MAX_REGISTRY_LABELS);
  /** Buffers a render writes into, kept for the next render (see label-tables.ts for why). */
  private readonly scratch = { writer: new ChunkWriter({ reuse: true }), labelTables: new LabelTables(), busy: false };
  /** Writes the rest of gzippedExposition's text (platform series, prom-client's families). */
  private readonly restWriter = new ChunkWriter({ reuse: true });
  /** The availability families as kept compressed pieces, for /metrics (gzippedExposition). */
  private readonly pieces: AvailabilityPieces;
  /** The registries the index's images are on, as of an index version: walking every usage for them is most of a render's fixed cost. */
  private registriesInUse = { version: -1, hosts: new Set<string>() };

  constructor(
    version: string,
    private readonly index: ImageIndex,
    private readonly results: CheckResults,
    imagesOverLimit: () => number = () => 0,
    private readonly metricsFormat: MetricsFormat = 'per-kind',
    logLinesDropped: () => number = () => 0,
    health?: ExporterHealth,
  ) {
    this.pieces = new AvailabilityPieces(index, results, metricsFormat);
    registerProcessMetrics(this.registry);
    // Gauges named like counters (promtool's lint refuses them); each is the sum of the
    // per-type gauge of the same name without _total, which stays.
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    new Gauge({
      name: `${METRIC_PREFIX}_build_info`,
      help: 'Always 1; labels tell the exporter version and Node.js runtime.',
      labelNames: ['version', 'nodejs_version'],
      registers: [this.registry],
    }).set({ version, nodejs_version: process.version }, 1);
    this.checks = new Counter({
      name: `${METRIC_PREFIX}_checks_total`,
      help: 'Completed image checks by registry and resulting status.',
      labelNames: ['registry', 'status'],
      registers: [this.registry],
    });
    this.checkDuration = new Histogram({
      name: `${METRIC_PREFIX}_check_duration_seconds`,
      help: 'Time one image check took, token requests included, by registry.',
      labelNames: ['registry'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.lastCheck = new Gauge({
      name: `${METRIC_PREFIX}_last_check_timestamp_seconds`,
      help: 'Unix time of the latest completed check, by registry.',
      labelNames: ['registry'],
      registers: [this.registry],
    });
    this.failingSince = new Gauge({
      name: `${METRIC_PREFIX}_registry_failing_since_timestamp_seconds`,
      help: 'Unix time of the first of the checks in a row that got no answer from the registry (registry_unavailable, authentication_failure, authorization_failure, registry_v1_api_not_supported, unknown_error); 0 once a check is answered.',
      labelNames: ['registry'],
      registers: [this.registry],
    });
    this.requests = new Counter({
      name: `${METRIC_PREFIX}_registry_requests_total`,
      help: 'HTTP requests sent to registries and their token servers, by phase (manifest, token, ping, index, tags, upstream) and outcome (status code or error).',
      labelNames: ['registry', 'phase', 'outcome'],
      registers: [this.registry],
    });
    new Gauge({
      name: `${METRIC_PREFIX}_tracked_images`,
      help: 'Unique images (image + pull secret set) being checked.',
      registers: [this.registry],
      collect: function () {
        this.set(index.unitCount);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}_images_over_limit`,
      help: 'Unique images not checked because --max-tracked-images is reached.',
      registers: [this.registry],
      collect: function () {
        this.set(imagesOverLimit());
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}_log_lines_dropped_total`,
      help: 'Log lines dropped because stdout was not read fast enough (logging never blocks checks, probes or shutdown).',
      registers: [this.registry],
      collect: function () {
        this.reset();
        this.inc(logLinesDropped());
      },
    });
    if (health) this.registerHealth(health);
    new Gauge({
      name: `${METRIC_PREFIX}_tracked_workloads`,
      help: 'Workloads whose images are being checked.',
      registers: [this.registry],
      collect: function () {
        this.set(index.workloadCount);
      },
    });
  }

  private registerHealth(health: ExporterHealth): void {
    new Gauge({
      name: `${METRIC_PREFIX}_check_interval_seconds`,
      help: 'The configured time between two checks of an image (--check-interval).',
      registers: [this.registry],
    }).set(health.checkIntervalMs / 1000);
    new Gauge({
      name: `${METRIC_PREFIX}_watches_failing`,
      help: 'Kubernetes watches (one per resource) failing now: the API server refuses the exporter or cannot be reached; the log and the status page say why.',
      registers: [this.registry],
      collect: function () {
        this.set(health.watchesFailing());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  recordCheck(_unit: CheckUnit, record: CheckRecord): void {
    const registry = this.registryLabels.forCheck(record.registry, record.status);
    this.checks.inc({ registry, status: record.status });
    this.checkDuration.observe({ registry }, record.durationMs / 1000);
    this.lastCheck.set({ registry }, record.checkedAt / 1000);
    const since = ANSWERED.has(record.status) ? 0 : this.failingSinceValues.get(registry) || record.checkedAt / 1000;
    this.failingSinceValues.set(registry, since);
    this.failingSince.set({ registry }, since);
  }

  recordExchange(exchange: Exchange): void {
    const registry = this.registryLabels.forExchange(exchange.registry, exchange.phase, exchange.outcome);
    this.requests.inc({ registry, phase: exchange.phase, outcome: exchange.outcome });
  }

  /**
   * The whole exposition as 64 KiB buffers, made as they are asked for (the availability lines
   * read the index and results as they are iterated). The buffers are reused: each is valid only
   * until the next is asked for.
   */
  async exposition(clusterPlatforms?: string[]): Promise<Iterable<Buffer>> {
    this.dropUnusedRegistries();
    const others = await this.registry.metrics();
    const { index, results, metricsFormat } = this;
    const scratch = this.scratch;
    return (function* () {
      // The kept buffers serve one render at a time; one that overlaps (not the shared render of
      // /metrics, which waits for the last) gets its own.
      const kept = !scratch.busy;
      scratch.busy = true;
      const writer = kept ? scratch.writer : new ChunkWriter({ reuse: true });
      const labelTables = kept ? scratch.labelTables : new LabelTables();
      try {
        yield* renderAll(writer, labelTables);
      } finally {
        if (kept) scratch.busy = false;
      }
    })();

    function* renderAll(writer: ChunkWriter, labelTables: LabelTables): Generator<Buffer> {
      writer.restart();
      yield* writeAvailability(writer, labelTables, index, results, metricsFormat);
      if (clusterPlatforms) {
        for (const line of platformMissingLines(index, results, clusterPlatforms)) {
          writer.text(line);
          if (writer.hasFilled) yield* writer.filled();
        }
      }
      writer.text(others);
      yield* writer.end();
    }
  }

  /**
   * The whole exposition gzip-compressed, as /metrics keeps and serves it: the availability
   * families from the pieces kept since the last call, which it updates (availability-pieces.ts),
   * then the platform series and prom-client's families, rendered and compressed now. The text is
   * exposition()'s.
   */
  async gzippedExposition(clusterPlatforms?: string[]): Promise<GzipBody> {
    const segments = await this.pieces.segments();
    this.dropUnusedRegistries(this.pieces.registries);
    const others = await this.registry.metrics();
    const writer = this.restWriter;
    writer.restart();
    if (clusterPlatforms) {
      for (const line of platformMissingLines(this.index, this.results, clusterPlatforms)) {
        writer.text(line);
        if (writer.hasFilled) for (const chunk of writer.filled()) segments.push(deflateSegment(chunk));
      }
    }
    writer.text(others);
    for (const chunk of writer.end()) segments.push(deflateSegment(chunk));
    return gzipOf(segments);
  }

  /** `registries`: those of the index's usages, when the caller has just walked them. */
  private dropUnusedRegistries(registries?: ReadonlySet<string>): void {
    if (registries) {
      // The few registries' hosts, not one per usage: apiHost costs more than a set lookup.
      this.registriesInUse = { version: this.index.version, hosts: new Set([...registries].map(apiHost)) };
    } else if (this.registriesInUse.version !== this.index.version) {
      const walked = new Set<string>();
      for (const usage of this.index.usages()) if (usage.unit) walked.add(usage.unit.reference.registry);
      this.registriesInUse = { version: this.index.version, hosts: new Set([...walked].map(apiHost)) };
    }
    const inUse = this.registriesInUse.hosts;
    for (const { label, statuses, exchanges } of this.registryLabels.release(inUse)) {
      for (const status of statuses) this.checks.remove({ registry: label, status });
      this.checkDuration.remove({ registry: label });
      this.lastCheck.remove({ registry: label });
      this.failingSince.remove({ registry: label });
      this.failingSinceValues.delete(label);
      for (const { phase, outcome } of exchanges.values()) this.requests.remove({ registry: label, phase, outcome });
    }
  }
}

/** One-hot gauges per status (and kind, by format): exactly one of a family set is 1 for each checked usage. */
export function* availabilityChunks(index: ImageIndex, results: CheckResults, format: MetricsFormat = 'per-kind'): Generator<Buffer> {
  const writer = new ChunkWriter();
  yield* writeAvailability(writer, new LabelTables(), index, results, format);
  yield* writer.end();
}

const ONE = Buffer.from('} 1\n');
const ZERO = Buffer.from('} 0\n');

/**
 * Writes the availability families, yielding each buffer once full. A render lasts long enough
 * for whatever it keeps to be promoted to V8's old space and stay there until a full collection,
 * scrape after scrape: so it keeps only references to the usages and, per kind, each row's label
 * set written once as bytes (label-tables.ts; a line copies them), not a string per row or line.
 */
function* writeAvailability(writer: ChunkWriter, labelTables: LabelTables, index: ImageIndex, results: CheckResults, format: MetricsFormat): Generator<Buffer> {
  const rows = checkedRows(index, results);
  const kinds = renderedKinds(rows);
  // A row's labels are written once per label set (one per format) and kind, not once per status family.
  const filled = new Map<LabelSet, Map<KindName, LabelTable>>();
  const tableOf = (set: LabelSet, kind: KindName): LabelTable => {
    const byKind = filled.get(set) ?? filled.set(set, new Map()).get(set)!;
    const { usages, statuses } = rows.get(kind)!;
    return byKind.get(kind) ?? byKind.set(kind, labelTables.fill(set, kind, usages, statuses)).get(kind)!;
  };
  for (const family of availabilityFamilies(format, kinds)) {
    const { name, status } = family;
    writer.text(`# HELP ${name} ${family.help}\n# TYPE ${name} gauge\n`);
    const opening = Buffer.from(`${name}{`);
    for (const kind of family.kinds) {
      const { statuses } = rows.get(kind)!;
      const { bytes, ends } = tableOf(family.labels, kind);
      for (let i = 0, start = 0; i < statuses.length; start = ends[i++]) {
        writer.reserve(opening.length + (ends[i] - start) + ONE.length);
        writer.copyReserved(opening);
        writer.copyReserved(bytes, start, ends[i]);
        writer.copyReserved(statuses[i] === status ? ONE : ZERO);
        if (writer.hasFilled) yield* writer.filled();
      }
    }
  }
}

/**
 * For multi-platform images: 1 for each platform the nodes run that the image's index lacks, else 0.
 * Single-platform images have no series: their platform is only in the config blob, not read.
 */
export function* platformMissingLines(index: ImageIndex, results: CheckResults, clusterPlatforms: string[]): Generator<string> {
  const name = `${METRIC_PREFIX}_platform_missing`;
  yield `# HELP ${name} 1 when the cluster's nodes run this os/architecture and the image's index has no manifest for it, else 0.\n# TYPE ${name} gauge\n`;
  for (const usage of index.usages()) {
    const offered = usage.unit && results.get(usage.unit.key)?.platforms;
    if (!offered) continue;
    const values = usageLabels(usage);
    const labels = `namespace="${escapeLabelValue(values.namespace)}",kind="${usage.kind}",name="${escapeLabelValue(values.name)}",container="${escapeLabelValue(values.container)}",image="${escapeLabelValue(values.image)}"`;
    for (const platform of clusterPlatforms) yield `${name}{${labels},platform="${escapeLabelValue(platform)}"} ${offered.includes(platform) ? 0 : 1}\n`;
  }
}
