// Wiring and shutdown only: watch → image index → scheduler → registry client → results → metrics/HTTP.
import type { Server } from 'node:http';
import { AdmissionDecider } from './admission/admission-decision.js';
import { AdmissionMetrics } from './admission/admission-metrics.js';
import { startAdmissionServer } from './admission/admission-server.js';
import { GivenWarnings } from './admission/given-warnings.js';
import { imageChecker, type SecretsSource } from './checks/image-checker.js';
import { CheckResults } from './checks/results.js';
import { CheckScheduler } from './checks/scheduler.js';
import type { Settings } from './settings/config.js';
import { formatDuration } from './settings/duration.js';
import { exporterRoutes } from './http/routes.js';
import { slowRenderHint } from './http/slow-render-hint.js';
import { parseBindAddress, startHttpServer } from './http/server.js';
import { filterNotice, FilterNoticeLog } from './index/filter-notice.js';
import { ImageFilter, type Shard } from './index/image-filter.js';
import { ImageIndex } from './index/image-index.js';
import { ImageResolver } from './index/image-resolver.js';
import { AutoShard } from './kube/auto-shard.js';
import { ClusterWatch } from './kube/cluster-watch.js';
import { EventRecorder } from './kube/event-recorder.js';
import { KubeApi } from './kube/kube-api.js';
import { NodePlatforms } from './kube/node-platforms.js';
import { ownPlatform } from './registry/contents/index-platforms.js';
import { loadKubeConfig } from './kube/kubeconfig.js';
import { apiSecretReader, PullSecrets } from './kube/pull-secrets.js';
import { parseExtraWorkloads } from './kube/extra-workloads.js';
import { statefulSetPod } from './kube/stateful-set-pod.js';
import { JOB_KIND, KIND_NAMES, type KindName } from './kube/workload-kinds.js';
import { droppedLogLines, type Logger } from './log/log.js';
import { ExporterMetrics } from './metrics/metrics.js';
import { cloudCredentialProviders } from './registry/credentials/cloud/providers.js';
import { RegistryClient } from './registry/client.js';
import { credentialSources } from './registry/credentials/credential-sources.js';
import { registryOverrides } from './registry/settings/registry-overrides.js';
import { packageVersion } from './version.js';

const SECRET_CACHE_MS = 60_000;
const SERVER_CLOSE_GRACE_MS = 500;
/** How often the log is told whether the image filters leave out most images. */
const FILTER_NOTICE_EVERY_MS = 2000;

export type RunningExporter = {
  port: number;
  /** The admission webhook's port, when it is on. */
  admissionPort?: number;
  stop(): Promise<void>;
};

export async function runExporter(settings: Settings, log: Logger): Promise<RunningExporter> {
  const version = packageVersion();
  const kubeConfig = loadKubeConfig(settings.kubeconfig);
  const results = new CheckResults();
  // The index is built before the scheduler exists; this forwarder breaks the cycle without globals.
  const listener = { unitAdded: (_unit: unknown) => {}, unitRemoved: (_key: string) => {} };
  const registries = registryOverrides(settings, log);
  const resolver = new ImageResolver(settings.defaultRegistry, registries.imageMirrors);
  const ownPod = settings.autoShard ? statefulSetPod(settings.podName) : undefined;
  // Called only once started, below, when the index it re-evaluates exists. The watch starts once
  // the shard is known: what it keeps of each workload depends on it.
  let watching = false;
  const reshard = (shard: Shard) => {
    filter.setShard(shard);
    index.refilter();
    if (watching) watch.reshard();
    else startWatch();
  };
  const startWatch = () => {
    watching = true;
    void watch.start();
  };
  const autoShard = ownPod && new AutoShard(kubeConfig, ownPod, settings.podNamespace, reshard, log);
  const filter = new ImageFilter(settings.ignoredImages, settings.allowedImages, resolver, autoShard?.initialShard ?? { index: settings.shard, total: settings.totalShards });
  const index = new ImageIndex(
    filter,
    {
      unitAdded: (unit) => listener.unitAdded(unit),
      unitRemoved: (key) => listener.unitRemoved(key),
      workloadWarning: (workload, message) => log.warn({ workload: `${workload.kind} ${workload.namespace}/${workload.name}` }, message),
    },
    resolver,
  );
  // Late-bound like the listener: the scheduler is created after the metrics it reports to.
  let imagesOverLimit = () => 0;
  const metrics = new ExporterMetrics(version, index, results, () => imagesOverLimit(), settings.metricsFormat, () => droppedLogLines(log), {
    checkIntervalMs: settings.checkInterval,
    watchesFailing: () => watch.failingWatches(),
  });

  const nodePlatforms = settings.checkPlatforms ? new NodePlatforms() : undefined;
  const client = new RegistryClient({
    requestTimeoutMs: settings.registryRequestTimeout,
    caFiles: settings.caFiles,
    hostCaPems: registries.hostCaPems,
    insecureSkipVerifyHosts: registries.insecureSkipVerifyHosts,
    plainHttpHosts: registries.plainHttpHosts,
    plainHttpLoopback: registries.plainHttpLoopback,
    connectionsPerOrigin: registries.connectionsPerOrigin,
    readPlatforms: settings.checkPlatforms,
    // Without the node watch (or before it has listed the nodes) the node this process runs on stands for all.
    nodePlatforms: () => {
      const known = nodePlatforms?.platforms() ?? [];
      return known.length > 0 ? known : [ownPlatform()];
    },
    // A repository checked every interval is seen again within one; one missed check is forgiven.
    scopeMemoryMs: 2 * settings.checkInterval + 60_000,
    userAgent: `k8s-image-availability-exporter/${version}`,
    onExchange: (exchange) => metrics.recordExchange(exchange),
  });
  const cloud = cloudCredentialProviders(settings, client, log, process.env);
  const api = new KubeApi(kubeConfig);
  const secrets: SecretsSource = new PullSecrets(apiSecretReader(api), log, {
    ttlMs: Math.min(SECRET_CACHE_MS, settings.checkInterval),
    // A secret is asked for at every check of its images; three missed intervals mean no image needs it any more.
    forgetAfterMs: 3 * settings.checkInterval + SECRET_CACHE_MS,
  });
  const check = imageChecker(client, secrets, credentialSources(settings, [...registries.providers, ...cloud.providers], log, process.env));
  const events = settings.recordEvents ? new EventRecorder(api, index, log, (kind) => watch.kindNamed(kind)) : undefined;
  const scheduler = new CheckScheduler({
    intervalMs: settings.checkInterval,
    retryInitialDelayMs: Math.min(settings.retryInitialDelay, settings.checkInterval),
    perRegistryConcurrency: settings.registryConcurrency,
    registryConcurrency: registries.concurrency,
    globalConcurrency: settings.maxConcurrentChecks,
    maxUnits: settings.maxTrackedImages,
    onLimitReached: (waiting) => {
      if (waiting === 1) log.warn({ maxTrackedImages: settings.maxTrackedImages }, 'image limit reached: further images are not checked until others go; raise --max-tracked-images');
    },
    check,
    results,
    onChecked: (unit, record, previous) => {
      metrics.recordCheck(unit, record);
      events?.checked(unit, record, previous);
      if (previous?.status !== record.status) {
        const line = { image: unit.reference.normalized, registry: record.registry, status: record.status, reason: record.message };
        if (record.status === 'available') log.info(line, 'image check');
        else log.warn(line, 'image check');
      }
    },
  });
  listener.unitAdded = (unit) => scheduler.add(unit as Parameters<CheckScheduler['add']>[0]);
  listener.unitRemoved = (key) => scheduler.remove(key);
  imagesOverLimit = () => scheduler.waitingCount;

  const forced = settings.forceCheckDisabledControllers;
  const checkDisabled = new Set<KindName>(forced.includes('*') ? [...KIND_NAMES, JOB_KIND.kind] : forced);
  const extraWorkloads = parseExtraWorkloads(settings.extraWorkloads);
  const watch = new ClusterWatch(kubeConfig, index, log, {
    checkDisabled,
    namespaceLabel: settings.namespaceLabel || undefined,
    ignoredNamespaces: new Set(settings.ignoredNamespaces),
    nodePlatforms,
    checkPods: settings.checkPods,
    checkJobs: settings.checkJobs,
    extraWorkloads,
  });

  // The webhook's warnings, shown on the status page beside each image's checks.
  const givenWarnings = settings.admissionBindAddress ? new GivenWarnings() : undefined;
  // Said once: a slow render stays slow, and the hint does not change.
  let slowRenderWarned = false;
  const { server, port } = await startHttpServer(
    parseBindAddress(settings.bindAddress),
    exporterRoutes({
      version,
      index,
      results,
      metrics,
      clusterPlatforms: () => nodePlatforms?.platforms(),
      pausedUntil: (registry) => scheduler.pausedUntil(registry),
      notReadyReason: () => autoShard?.notReadyReason() ?? watch.notReadyReason(),
      notices: () => [watch.troubleNotice(), filterNotice(index.filterCounts, settings)].filter((notice): notice is string => notice !== undefined),
      givenWarnings: givenWarnings && ((imageKey) => givenWarnings.of(imageKey)),
      statusPage: settings.statusPage,
      metricsRendered: (renderMs) => {
        const hint = slowRenderWarned ? undefined : slowRenderHint(renderMs, process.execArgv);
        if (!hint) return;
        slowRenderWarned = true;
        log.warn({ renderMs: Math.round(renderMs) }, hint);
      },
    }),
  );
  // Admission reviews ask the same index and results, and check through the scheduler's registry limits; they add nothing to them.
  const admission = settings.admissionBindAddress
    ? await startAdmissionServer(
        parseBindAddress(settings.admissionBindAddress),
        { certFile: settings.admissionTlsCertFile, keyFile: settings.admissionTlsKeyFile, clientCaFile: settings.admissionClientCaFile },
        new AdmissionDecider(
          index,
          results,
          (unit, waitMs) => scheduler.checkNow(unit, waitMs),
          {
            deny: settings.admissionDeny,
            liveBudgetMs: settings.admissionCheckBudget,
            maxLiveChecks: settings.maxConcurrentChecks,
            checkDisabled,
            checkPods: settings.checkPods,
            checkJobs: settings.checkJobs,
            extraWorkloads,
            ignoredNamespaces: new Set(settings.ignoredNamespaces),
          },
          givenWarnings,
        ),
        new AdmissionMetrics(metrics.registry),
        log,
      )
    : undefined;
  if (admission) {
    log.info({ admissionBindAddress: settings.admissionBindAddress, port: admission.port, deny: settings.admissionDeny, clientCaFile: settings.admissionClientCaFile || undefined }, 'admission webhook listening');
    if (!settings.admissionClientCaFile) log.info('admission webhook: any client that reaches its port may ask for image checks; set --admission-client-ca-file (and restrict the port with a NetworkPolicy) so only the API server can');
  }
  log.info({ bindAddress: settings.bindAddress, port, checkInterval: formatDuration(settings.checkInterval), version }, 'exporter started');
  if (autoShard) autoShard.start();
  else startWatch();
  const filterLog = new FilterNoticeLog(() => index.filterCounts, settings, log, () => watch.notReadyReason() === undefined);
  filterLog.start(FILTER_NOTICE_EVERY_MS);

  return {
    port,
    admissionPort: admission?.port,
    async stop() {
      await admission?.close();
      filterLog.stop();
      await autoShard?.stop();
      scheduler.stop();
      // First, so registry requests in flight end now rather than at their time limit.
      await client.close();
      await watch.stop();
      await closeServer(server);
      await cloud.close();
      log.info('exporter stopped');
    },
  };
}

/** Stops listening; requests still running get a moment to finish, then their connections are cut. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SERVER_CLOSE_GRACE_MS).unref();
  });
}
