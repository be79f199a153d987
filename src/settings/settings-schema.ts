// The one schema of every setting: flag, environment variable, config file key, default, validation.
// The Helm chart's values map onto these keys (chart/README.md), so adding a setting here is the
// only place a new knob starts.
import { METRICS_FORMATS, type MetricsFormat } from '../metrics/availability-families.js';
import './setting-formats.js';

export const schema = {
  bindAddress: {
    doc: 'Address the HTTP server (/metrics, /healthz, /readyz) listens on.',
    format: 'bind-address',
    default: ':8080',
    arg: 'bind-address',
    env: 'IAE_BIND_ADDRESS',
  },
  statusPage: {
    doc: 'Serve the status page (/) and /api/images, which show every checked image with its workloads and pull-secret names to whoever reaches the port; off: only /metrics, /healthz and /readyz (docs/status-page.md).',
    format: 'switch',
    default: true,
    arg: 'status-page',
    env: 'IAE_STATUS_PAGE',
  },
  checkInterval: {
    doc: 'How often every image is checked again (Go duration).',
    format: 'go-duration',
    default: '5m',
    arg: 'check-interval',
    env: 'IAE_CHECK_INTERVAL',
    minimum: 1000,
  },
  ignoredImages: {
    doc: 'Images not to check (comma-separated). A pattern without * is an image reference, normalised like one: "nginx" ignores every tag of docker.io/library/nginx, "nginx:1.25" that tag only. With *, a glob over the image as written, normalised, or its repository ("registry.internal/*"). A value starting with regex: (or holding ~, .* or one of ^$\\()[]{}|+?) is the Go exporter\'s form instead: ~-separated regular expressions, each matched anywhere in the image as written.',
    format: 'image-patterns',
    default: [] as string[],
    arg: 'ignored-images',
    env: 'IAE_IGNORED_IMAGES',
  },
  allowedImages: {
    doc: 'Only images matching one of these patterns are checked (same pattern rules as ignoredImages, regular expressions included); empty: all. An image both allowed and ignored is ignored.',
    format: 'image-patterns',
    default: [] as string[],
    arg: 'allowed-images',
    env: 'IAE_ALLOWED_IMAGES',
  },
  defaultRegistry: {
    doc: 'Registry of image names without a host, instead of docker.io (only docker.io adds the implicit library/).',
    format: 'registry-host',
    default: 'docker.io',
    arg: 'default-registry',
    env: 'IAE_DEFAULT_REGISTRY',
  },
  imageMirrors: {
    doc: 'original=mirror pairs (repeat the flag or separate with commas): images under the original prefix are checked at the mirror instead; the longest prefix wins.',
    format: 'image-mirrors',
    default: [] as string[],
    arg: 'image-mirror',
    env: 'IAE_IMAGE_MIRRORS',
  },
  namespaceLabel: {
    doc: 'Only workloads in namespaces with this label are checked: "key" (any value) or "key=value". Empty: all namespaces. A label change applies at once.',
    format: 'namespace-label',
    default: '',
    arg: 'namespace-label',
    env: 'IAE_NAMESPACE_LABEL',
  },
  ignoredNamespaces: {
    doc: 'Namespaces whose workloads are not checked (comma-separated names), beside namespaceLabel; a workload annotated image-availability-exporter.io/check: "true" is checked all the same. Honoured by the exporter, the check command and the webhook.',
    format: 'namespace-names',
    default: [] as string[],
    arg: 'ignored-namespaces',
    env: 'IAE_IGNORED_NAMESPACES',
  },
  shard: {
    doc: 'This replica\'s shard, 0-based: with several replicas each checks the images whose name hashes to its shard.',
    format: 'nat',
    default: 0,
    arg: 'shard',
    env: 'IAE_SHARD',
  },
  totalShards: {
    doc: 'Number of shards (replicas splitting the images between them); 1 means no sharding.',
    format: 'positive-int',
    default: 1,
    arg: 'total-shards',
    env: 'IAE_TOTAL_SHARDS',
  },
  autoShard: {
    doc: 'Take the shard from this pod\'s StatefulSet ordinal (podName, e.g. exporter-2 → shard 2) and the number of shards from the StatefulSet\'s replicas, watched live: scaling it reshards without a restart. Replaces shard and totalShards.',
    format: 'switch',
    default: false,
    arg: 'auto-shard',
    env: 'IAE_AUTO_SHARD',
  },
  podName: {
    doc: 'This pod\'s name, from the downward API (metadata.name); used by autoShard.',
    format: String,
    default: '',
    arg: 'pod-name',
    env: 'IAE_POD_NAME',
  },
  podNamespace: {
    doc: 'This pod\'s namespace, from the downward API (metadata.namespace): where autoShard reads its StatefulSet.',
    format: String,
    default: '',
    arg: 'pod-namespace',
    env: 'IAE_POD_NAMESPACE',
  },
  checkPlatforms: {
    doc: 'Also read the index of multi-platform images and report the os/architecture pairs the nodes run but the image lacks (platform_missing gauge); the exporter then watches nodes.',
    format: 'switch',
    default: false,
    arg: 'check-platforms',
    env: 'IAE_CHECK_PLATFORMS',
  },
  recordEvents: {
    doc: 'Record a Warning Event (reason ImageUnavailable) on a workload when its image turns absent or its registry refuses the credentials; needs RBAC create on events.',
    format: 'switch',
    default: false,
    arg: 'record-events',
    env: 'IAE_RECORD_EVENTS',
  },
  checkJobs: {
    doc: 'Also check Jobs that no CronJob (or extra workload kind) created, as kind job; finished Jobs (Complete or Failed) are not checked. Watches Jobs.',
    format: 'switch',
    default: true,
    arg: 'check-jobs',
    env: 'IAE_CHECK_JOBS',
  },
  checkPods: {
    doc: 'Also check Pods that no checked kind controls (bare Pods, Pods of a custom controller or of its ReplicaSet), as kind pod; Pods in phase Succeeded or Failed are not checked. Watches Pods (a small projection of each), and the metadata of ReplicaSets and Jobs.',
    format: 'switch',
    default: false,
    arg: 'check-pods',
    env: 'IAE_CHECK_PODS',
  },
  extraWorkloads: {
    doc: 'Other namespaced resources with a pod template (repeat the flag or separate with commas): group/version/resource:templatePath, optionally :replicas=path (0 means disabled) and :suspend=path (true means disabled), e.g. argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas. Exported as the resource\'s Kind in lowercase (rollout); needs RBAC list and watch on the resource.',
    format: 'extra-workloads',
    default: [] as string[],
    arg: 'extra-workload',
    env: 'IAE_EXTRA_WORKLOADS',
  },
  forceCheckDisabledControllers: {
    doc: 'Kinds whose disabled workloads (scaled to zero, suspended) are checked anyway: deployment, statefulset, daemonset, cronjob, job or *.',
    format: 'disabled-controller-kinds',
    default: [] as string[],
    arg: 'force-check-disabled-controllers',
    env: 'IAE_FORCE_CHECK_DISABLED_CONTROLLERS',
  },
  registryRequestTimeout: {
    doc: 'Time limit of one registry request, token requests included (Go duration).',
    format: 'go-duration',
    default: '10s',
    arg: 'registry-request-timeout',
    env: 'IAE_REGISTRY_REQUEST_TIMEOUT',
    minimum: 1000,
  },
  registryConcurrency: {
    doc: 'Checks running at once against one registry host, so a slow registry cannot starve the others.',
    format: 'nat',
    default: 8,
    arg: 'registry-concurrency',
    env: 'IAE_REGISTRY_CONCURRENCY',
    minimum: 1,
  },
  maxConcurrentChecks: {
    doc: 'Checks running at once across all registries.',
    format: 'nat',
    default: 64,
    arg: 'max-concurrent-checks',
    env: 'IAE_MAX_CONCURRENT_CHECKS',
    minimum: 1,
  },
  retryInitialDelay: {
    doc: 'First retry delay after a failed check; it doubles on each failure up to the check interval (Go duration).',
    format: 'go-duration',
    default: '15s',
    arg: 'retry-initial-delay',
    env: 'IAE_RETRY_INITIAL_DELAY',
    minimum: 100,
  },
  maxTrackedImages: {
    doc: 'Unique images (image + pull secret set) checked at most; beyond it new images wait unchecked, with a warning and the images_over_limit metric. Bounds memory and registry load.',
    format: 'nat',
    default: 50000,
    arg: 'max-tracked-images',
    env: 'IAE_MAX_TRACKED_IMAGES',
    minimum: 1,
  },
  caFiles: {
    doc: 'PEM files of extra certificate authorities trusted for registries, next to the system roots (comma-separated paths).',
    format: 'comma-list',
    default: [] as string[],
    arg: 'capath',
    env: 'IAE_CAPATH',
  },
  insecureSkipVerifyRegistries: {
    doc: 'Registry hosts (host or host:port) whose TLS certificate is not verified; the bare flag or true: every registry (the Go exporter\'s switch). Empty by default; every use is logged at start.',
    format: 'registry-hosts-or-all',
    default: [] as string[],
    arg: 'skip-registry-cert-verification',
    env: 'IAE_SKIP_REGISTRY_CERT_VERIFICATION',
  },
  plainHttpRegistries: {
    doc: 'Registry hosts (host or host:port) that may be reached over plain HTTP: HTTPS is tried first; when it gets no HTTP answer (refused, TLS handshake failed, timed out) the check is repeated over HTTP, and a host that answers over HTTP stays on it until the exporter restarts. The bare flag or true: every registry (the Go exporter\'s switch, warned at start). Loopback registries (localhost, 127.0.0.0/8, ::1) do this unnamed, but only when HTTPS met a plain-HTTP server or a closed port.',
    format: 'registry-hosts-or-all',
    default: [] as string[],
    arg: 'allow-plain-http',
    env: 'IAE_ALLOW_PLAIN_HTTP',
  },
  registriesFile: {
    doc: 'YAML or JSON file of per-registry settings (host → ca/caFile, insecureSkipVerify, plainHttp, concurrency, mirror, credentialsDir of a mounted Secret); adds to the flags, its concurrency overrides registryConcurrency for that host.',
    format: String,
    default: '',
    arg: 'registries-file',
    env: 'IAE_REGISTRIES_FILE',
  },
  cloudCredentials: {
    doc: 'Cloud registries whose credentials come from the exporter\'s own cloud identity, no pull secret needed: ecr (Amazon ECR; the AWS SDK\'s credential chain, e.g. IRSA; on by default, as in the Go exporter, and silent where no AWS identity is found), gcp (Artifact Registry and GCR; the metadata server), acr (Azure Container Registry; managed identity). Tried after the pull secrets. none (or empty): no provider.',
    format: 'cloud-providers',
    default: ['ecr'] as string[],
    arg: 'cloud-credentials',
    env: 'IAE_CLOUD_CREDENTIALS',
  },
  cloudCredentialHosts: {
    doc: 'host=provider pairs (repeat the flag or separate with commas): registry hosts a cloud provider of cloudCredentials serves although their name does not say so; for testing and private names. An ecr host uses the default region of the AWS chain (AWS_REGION).',
    format: 'cloud-hosts',
    default: [] as string[],
    arg: 'cloud-credential-host',
    env: 'IAE_CLOUD_CREDENTIAL_HOSTS',
  },
  cloudCredentialEndpoints: {
    doc: 'provider=URL pairs, URL as http(s)://host[:port]: the ECR API endpoint (default: the region\'s), the GCP metadata server (default: GCE_METADATA_HOST, else metadata.google.internal) or the Azure instance metadata service (default: 169.254.169.254) to ask instead; for testing, air-gapped and private-endpoint setups.',
    format: 'cloud-endpoints',
    default: [] as string[],
    arg: 'cloud-credential-endpoint',
    env: 'IAE_CLOUD_CREDENTIAL_ENDPOINTS',
  },
  imageCredentialProviderConfig: {
    doc: 'The kubelet\'s CredentialProviderConfig file or directory (its --image-credential-provider-config): its credential provider plugins (ecr-credential-provider, auth-provider-gcp, acr-credential-provider...) are run as the kubelet runs them, for images without a pull secret that works. Empty: none.',
    format: String,
    default: '',
    arg: 'image-credential-provider-config',
    env: 'IAE_IMAGE_CREDENTIAL_PROVIDER_CONFIG',
  },
  imageCredentialProviderBinDir: {
    doc: 'Directory of the credential provider plugins named in imageCredentialProviderConfig (the kubelet\'s --image-credential-provider-bin-dir).',
    format: String,
    default: '',
    arg: 'image-credential-provider-bin-dir',
    env: 'IAE_IMAGE_CREDENTIAL_PROVIDER_BIN_DIR',
  },
  imageCredentialProviderTimeout: {
    doc: 'Time limit of one credential provider plugin run (Go duration); the kubelet allows 1m. A plugin that takes longer is killed and the check goes on without its credentials.',
    format: 'go-duration',
    default: '1m',
    arg: 'image-credential-provider-timeout',
    env: 'IAE_IMAGE_CREDENTIAL_PROVIDER_TIMEOUT',
    minimum: 1000,
  },
  nodeDockerConfigRoot: {
    doc: 'Where the node\'s files are mounted (the chart\'s kubeletCredentials mounts them read-only below /node): the node\'s docker config is read there from the kubelet\'s search paths (kubeletRootDir/config.json, /config.json, /root/.docker/config.json, /.docker/config.json, then .dockercfg) and used after the pull secrets. Empty: not read.',
    format: String,
    default: '',
    arg: 'node-docker-config-root',
    env: 'IAE_NODE_DOCKER_CONFIG_ROOT',
  },
  kubeletRootDir: {
    doc: 'The kubelet\'s --root-dir on the node, the first place it looks for config.json and .dockercfg.',
    format: String,
    default: '/var/lib/kubelet',
    arg: 'kubelet-root-dir',
    env: 'IAE_KUBELET_ROOT_DIR',
  },
  dockerConfigCredentials: {
    doc: 'Use the exporter\'s own Docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json, with its credsStore/credHelpers helpers) as the last credential source of every check, as the Go exporter did; false turns it off.',
    format: 'switch',
    default: true,
    arg: 'docker-config-credentials',
    env: 'IAE_DOCKER_CONFIG_CREDENTIALS',
  },
  admissionBindAddress: {
    doc: 'Address the validating admission webhook (HTTPS, POST /validate) listens on, e.g. :8443; empty turns it off. Needs admissionTlsCertFile and admissionTlsKeyFile.',
    format: 'optional-bind-address',
    default: '',
    arg: 'admission-bind-address',
    env: 'IAE_ADMISSION_BIND_ADDRESS',
  },
  admissionTlsCertFile: {
    doc: 'PEM certificate (chain) the admission webhook serves; read again when the file changes.',
    format: String,
    default: '',
    arg: 'admission-tls-cert-file',
    env: 'IAE_ADMISSION_TLS_CERT_FILE',
  },
  admissionTlsKeyFile: {
    doc: 'PEM private key of admissionTlsCertFile.',
    format: String,
    default: '',
    arg: 'admission-tls-key-file',
    env: 'IAE_ADMISSION_TLS_KEY_FILE',
  },
  admissionClientCaFile: {
    doc: 'PEM CA bundle: when set, the admission webhook accepts only TLS clients with a certificate it signed (the API server presents one when its AdmissionConfiguration kubeconfig names it); read again when the file changes. Empty: any client that reaches the port.',
    format: String,
    default: '',
    arg: 'admission-client-ca-file',
    env: 'IAE_ADMISSION_CLIENT_CA_FILE',
  },
  admissionDeny: {
    doc: 'Refuse workloads with an image that is absent or not a valid reference, instead of only warning; registry outages, credential problems and checks that did not finish never refuse.',
    format: 'switch',
    default: false,
    arg: 'admission-deny',
    env: 'IAE_ADMISSION_DENY',
  },
  admissionCheckBudget: {
    doc: 'How long the admission webhook waits for a live check of an image it has no result for (Go duration); keep it well inside the webhook\'s timeoutSeconds.',
    format: 'go-duration',
    default: '2s',
    arg: 'admission-check-budget',
    env: 'IAE_ADMISSION_CHECK_BUDGET',
    minimum: 100,
  },
  kubeconfig: {
    doc: 'Path of a kubeconfig file; empty means $KUBECONFIG, then ~/.kube/config, then the in-cluster service account.',
    format: String,
    default: '',
    arg: 'kubeconfig',
    env: 'IAE_KUBECONFIG',
  },
  metricsFormat: {
    doc: 'Names of the availability gauges: per-kind (k8s_image_availability_exporter_<kind>_<status>, the Go exporter\'s names before v0.7), unified (k8s_image_availability_exporter_<status> with labels kind and name, its names since v0.7) or both, for a migration window.',
    format: [...METRICS_FORMATS],
    default: 'per-kind',
    arg: 'metrics-format',
    env: 'IAE_METRICS_FORMAT',
  },
  logLevel: {
    doc: 'Lowest level of log lines written: debug, info, warn or error.',
    format: ['debug', 'info', 'warn', 'error'],
    default: 'info',
    arg: 'log-level',
    env: 'IAE_LOG_LEVEL',
  },
};

export type Settings = {
  bindAddress: string;
  statusPage: boolean;
  checkInterval: number;
  ignoredImages: string[];
  allowedImages: string[];
  defaultRegistry: string;
  imageMirrors: string[];
  namespaceLabel: string;
  ignoredNamespaces: string[];
  shard: number;
  recordEvents: boolean;
  checkPlatforms: boolean;
  totalShards: number;
  checkJobs: boolean;
  checkPods: boolean;
  extraWorkloads: string[];
  autoShard: boolean;
  podName: string;
  podNamespace: string;
  forceCheckDisabledControllers: string[];
  registryRequestTimeout: number;
  registryConcurrency: number;
  maxConcurrentChecks: number;
  retryInitialDelay: number;
  maxTrackedImages: number;
  caFiles: string[];
  insecureSkipVerifyRegistries: string[];
  plainHttpRegistries: string[];
  registriesFile: string;
  cloudCredentials: string[];
  cloudCredentialHosts: string[];
  cloudCredentialEndpoints: string[];
  imageCredentialProviderConfig: string;
  imageCredentialProviderBinDir: string;
  imageCredentialProviderTimeout: number;
  nodeDockerConfigRoot: string;
  kubeletRootDir: string;
  dockerConfigCredentials: boolean;
  admissionBindAddress: string;
  admissionTlsCertFile: string;
  admissionTlsKeyFile: string;
  admissionClientCaFile: string;
  admissionDeny: boolean;
  admissionCheckBudget: number;
  kubeconfig: string;
  metricsFormat: MetricsFormat;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
};
