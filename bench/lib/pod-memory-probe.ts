// Child process of the pod memory case, so its heap is one exporter's and nothing else's: N pods
// shaped like the API server sends them (status, managedFields, probes, env, volumes...), each
// parsed from its own JSON text as a watch event would be, then kept as the mode says:
//   whole:     the objects as they arrive, in a namespace → name → object map like an informer's cache
//   exporter:  what --check-pods keeps: each pod projected as it arrives (object-projection.ts) into
//              the same kind of map, tracked by PodOwners, and its containers in the image index
//   idle:      nothing (the process with its modules loaded)
// Every pod is controlled by a custom controller's ReplicaSet, so each is tracked and checked:
// the most the exporter keeps per pod. Prints the heap retained after a full collection as JSON.
//
// Usage: node --expose-gc pod-memory-probe.js <whole|exporter|idle> <pods>
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex } from '../../src/index/image-index.js';
import { podProjection } from '../../src/kube/object-projection.js';
import { PodOwners } from '../../src/kube/pod-owners.js';
import { POD_KIND } from '../../src/kube/workload-kinds.js';
import type { KubeObject } from '../../src/kube/kube-object.js';
import { sleep } from './stats.js';

export type PodMemoryFigures = { heapUsed: number; pods: number };

const IMAGES = 500;
const NAMESPACES = 100;

/** The JSON of pod i as a watch event carries it, from a typical Deployment-like pod of a real cluster. */
function podJson(i: number): string {
  const ns = `team-${i % NAMESPACES}`;
  const name = `app-${i}-7d9f8c6b5-x${i.toString(36)}`;
  const uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const image = `registry.example.com/team-${i % NAMESPACES}/app-${i % IMAGES}:1.${i % 7}.0`;
  const time = '2026-11-26T10:00:00Z';
  return JSON.stringify({
    metadata: {
      name,
      generateName: `app-${i}-7d9f8c6b5-`,
      namespace: ns,
      uid,
      resourceVersion: String(100000 + i),
      creationTimestamp: time,
      labels: { app: `app-${i}`, 'pod-template-hash': '7d9f8c6b5', team: ns, 'app.kubernetes.io/version': '1.0.0' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': time, 'prometheus.io/scrape': 'true' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `app-${i}-7d9f8c6b5`, uid: `rs-${uid}`, controller: true, blockOwnerDeletion: true }],
      managedFields: [
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time,
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:env': {}, 'f:ports': {} } } } },
        },
        { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:podIP': {}, 'f:startTime': {} } } },
      ],
    },
    spec: {
      volumes: [
        { name: 'config', configMap: { name: `app-${i}-config`, defaultMode: 420 } },
        { name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }], defaultMode: 420 } },
      ],
      containers: [
        {
          name: 'app',
          image,
          ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
          env: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
          ],
          resources: { limits: { memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        },
        {
          name: 'proxy',
          image: 'docker.io/envoyproxy/envoy:v1.31.0',
          resources: { requests: { cpu: '50m', memory: '64Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      nodeName: `node-${i % 50}`,
      securityContext: { fsGroup: 2000 },
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: time })),
      hostIP: `10.0.${i % 50}.1`,
      podIP: `10.244.${i % 250}.${i % 200}`,
      podIPs: [{ ip: `10.244.${i % 250}.${i % 200}` }],
      startTime: time,
      containerStatuses: ['app', 'proxy'].map((container) => ({
        name: container,
        state: { running: { startedAt: time } },
        lastState: {},
        ready: true,
        restartCount: 0,
        image,
        imageID: `${image.split(':')[0]}@sha256:${'ab'.repeat(32)}`,
        containerID: `containerd://${'cd'.repeat(32)}`,
        started: true,
      })),
      qosClass: 'Burstable',
    },
  });
}

const [mode, countText] = process.argv.slice(2);
const count = mode === 'idle' ? 0 : Number(countText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const cache = new Map<string, Map<string, KubeObject>>();
const keep = (pod: KubeObject) => {
  const ns = pod.metadata?.namespace ?? '';
  let names = cache.get(ns);
  if (!names) cache.set(ns, (names = new Map()));
  names.set(pod.metadata?.name ?? '', pod);
};
const owners = new PodOwners(new Set(['apps/Deployment']));
const index = new ImageIndex(new ImageFilter([]), { unitAdded: () => {}, unitRemoved: () => {} });
for (let i = 0; i < count; i++) {
  const pod = JSON.parse(podJson(i)) as KubeObject;
  if (mode === 'whole') {
    keep(pod);
    continue;
  }
  const kept = podProjection(pod);
  keep(kept);
  // Each pod's ReplicaSet is a custom controller's: tracked, then checked.
  owners.setIntermediate({ metadata: { uid: `rs-${pod.metadata!.uid}`, ownerReferences: [{ apiVersion: 'example.org/v1', kind: 'Custom', name: 'c', uid: 'c', controller: true }] } });
  if (owners.podCoverage(kept) !== 'check') throw new Error('a benchmark pod was not checked');
  index.upsertWorkload({ kind: POD_KIND.kind, namespace: kept.metadata!.namespace!, name: kept.metadata!.name!, uid: kept.metadata!.uid, podSpec: POD_KIND.podSpec(kept)! });
}
gc();
await sleep(50);
gc();
const figures: PodMemoryFigures = { heapUsed: process.memoryUsage().heapUsed, pods: [...cache.values()].reduce((sum, names) => sum + names.size, 0) };
process.stdout.write(`${JSON.stringify(figures)}\n`);
