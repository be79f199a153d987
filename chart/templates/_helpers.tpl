{{/*
Exporter settings: chart value -> environment variable, one line each. Every key is a key of the
exporter's settings schema (src/settings/config.ts) and a top-level chart value of the same name. To add a
setting, add its line here, its value in values.yaml and its property in values.schema.json;
test/chart/settings.test.ts fails until all three exist and the value reaches the exporter.
`kubeconfig` is left out on purpose: in a pod the exporter uses its service account.
*/}}
{{- define "iae.settings" -}}
bindAddress: IAE_BIND_ADDRESS
statusPage: IAE_STATUS_PAGE
checkInterval: IAE_CHECK_INTERVAL
ignoredImages: IAE_IGNORED_IMAGES
allowedImages: IAE_ALLOWED_IMAGES
defaultRegistry: IAE_DEFAULT_REGISTRY
imageMirrors: IAE_IMAGE_MIRRORS
namespaceLabel: IAE_NAMESPACE_LABEL
ignoredNamespaces: IAE_IGNORED_NAMESPACES
shard: IAE_SHARD
totalShards: IAE_TOTAL_SHARDS
recordEvents: IAE_RECORD_EVENTS
checkPlatforms: IAE_CHECK_PLATFORMS
forceCheckDisabledControllers: IAE_FORCE_CHECK_DISABLED_CONTROLLERS
checkJobs: IAE_CHECK_JOBS
checkPods: IAE_CHECK_PODS
extraWorkloads: IAE_EXTRA_WORKLOADS
registryRequestTimeout: IAE_REGISTRY_REQUEST_TIMEOUT
registryConcurrency: IAE_REGISTRY_CONCURRENCY
maxConcurrentChecks: IAE_MAX_CONCURRENT_CHECKS
retryInitialDelay: IAE_RETRY_INITIAL_DELAY
maxTrackedImages: IAE_MAX_TRACKED_IMAGES
caFiles: IAE_CAPATH
insecureSkipVerifyRegistries: IAE_SKIP_REGISTRY_CERT_VERIFICATION
plainHttpRegistries: IAE_ALLOW_PLAIN_HTTP
cloudCredentials: IAE_CLOUD_CREDENTIALS
cloudCredentialHosts: IAE_CLOUD_CREDENTIAL_HOSTS
cloudCredentialEndpoints: IAE_CLOUD_CREDENTIAL_ENDPOINTS
metricsFormat: IAE_METRICS_FORMAT
imageCredentialProviderTimeout: IAE_IMAGE_CREDENTIAL_PROVIDER_TIMEOUT
kubeletRootDir: IAE_KUBELET_ROOT_DIR
dockerConfigCredentials: IAE_DOCKER_CONFIG_CREDENTIALS
logLevel: IAE_LOG_LEVEL
{{- end -}}

{{/*
The container's env entries of the settings: lists joined with commas, whole numbers printed
without an exponent (values files give them to templates as float64).
*/}}
{{- define "iae.settingsEnv" -}}
{{- range $key, $envName := include "iae.settings" . | fromYaml }}
{{- if not (hasKey $.Values $key) }}
{{- fail (printf "chart value %s is missing (it is the exporter setting %s)" $key $envName) }}
{{- end }}
{{- $value := index $.Values $key }}
{{- if kindIs "invalid" $value }}
{{- fail (printf "chart value %s must not be null (it is the exporter setting %s)" $key $envName) }}
{{- end }}
{{- $text := toString $value }}
{{- if kindIs "slice" $value }}
{{- $text = join "," $value }}
{{- else if or (kindIs "float64" $value) (kindIs "float32" $value) }}
{{- $text = int64 $value | toString }}
{{- end }}
{{- /* An empty value is left out: the API server stores it so, and a second kubectl apply of the
       manifests would otherwise report the Deployment "configured" with nothing changed. */}}
- name: {{ $envName }}
{{- if ne $text "" }}
  value: {{ $text | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
NODE_OPTIONS giving V8's old space 5/8 of the container's memory limit (160 MiB of 256Mi), the
rest left to the young generation, code, buffers and zlib. V8 sizes its heap from the memory it
sees and, with room to spare, lets garbage grow to several times what is alive between full
collections; with its limit under the container's it collects harder as the heap nears it,
before the kernel kills the container. Nothing without a memory limit, or when extraEnv sets
NODE_OPTIONS itself.
*/}}
{{- define "iae.nodeOptionsEnv" -}}
{{- $raw := dig "limits" "memory" "" (.Values.resources | default dict) -}}
{{- $limit := ternary (int64 $raw | toString) (toString $raw) (kindIs "float64" $raw) -}}
{{- $own := false -}}
{{- range .Values.extraEnv }}{{ if eq (toString .name) "NODE_OPTIONS" }}{{ $own = true }}{{ end }}{{ end -}}
{{- if and $limit (not $own) -}}
{{- if not (regexMatch "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$" $limit) -}}
{{- fail (printf "resources.limits.memory %s: the chart sizes the Node.js heap from it and reads a number with an optional Ki, Mi, Gi, Ti, k, M, G or T suffix; write it so, or set NODE_OPTIONS (e.g. --max-old-space-size=<MiB>) in extraEnv" $limit) -}}
{{- end -}}
{{- $number := regexFind "^[0-9.]+" $limit -}}
{{- $unit := trimPrefix $number $limit -}}
{{- $bytesPer := dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 -}}
{{- $mebibytes := divf (mulf (float64 $number) (index $bytesPer $unit)) 1048576 -}}
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size=%d" (int64 (floor (mulf $mebibytes 0.625))) | quote }}
{{- end -}}
{{- end -}}

{{/*
The port of bindAddress (host:port or :port), which is also the container port.
*/}}
{{- define "iae.port" -}}
{{- $bind := toString .Values.bindAddress -}}
{{- if regexMatch "^(127\\.[0-9.]+|localhost|\\[::1\\]):" $bind -}}
{{- fail (printf "bindAddress %s listens on loopback only: the kubelet probes and Prometheus could not reach it; use :<port>" $bind) -}}
{{- end -}}
{{- regexFind "[0-9]+$" $bind -}}
{{- end -}}

{{/*
Chart name, and the full name used for every object.
*/}}
{{- define "iae.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "iae.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Namespace of every namespaced object: namespaceOverride, else the release's.
*/}}
{{- define "iae.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "iae.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "iae.labels" -}}
{{- /* One map, so commonLabels never repeat a key (which would make the YAML invalid); the chart's own labels win. */}}
{{- $own := dict "helm.sh/chart" (include "iae.chart" .) "app.kubernetes.io/version" (toString .Chart.AppVersion) "app.kubernetes.io/managed-by" .Release.Service "app.kubernetes.io/component" "exporter" }}
{{- $own = merge $own (include "iae.selectorLabels" . | fromYaml) }}
{{- toYaml (merge $own (deepCopy (.Values.commonLabels | default dict))) }}
{{- end }}

{{/*
Labels of an object that has labels of its own in the values (list: context, that map): its own
labels win over the chart's, each key once.
*/}}
{{- define "iae.labelsWith" -}}
{{- $context := index . 0 }}
{{- toYaml (merge (deepCopy ((index . 1) | default dict)) (include "iae.labels" $context | fromYaml)) }}
{{- end }}

{{/*
Labels the Deployment and the PodMonitor select the pod by.
*/}}
{{- define "iae.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iae.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the pod runs as.
*/}}
{{- define "iae.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "iae.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The container image: repository@digest, else repository:tag (tag defaults to appVersion).
*/}}
{{- define "iae.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Where the registries file and the pull-credential Secrets it names are mounted.
*/}}
{{- define "iae.registriesDir" -}}/etc/image-availability-exporter/registries{{- end -}}
{{- define "iae.registryCredentialsDir" -}}/etc/image-availability-exporter/registry-credentials{{- end -}}

{{/*
The exporter's registries file from the `registries` value: the same entries, with each
credentialsSecret replaced by the directory it is mounted at (credentialsDir).
*/}}
{{- define "iae.registriesFile" -}}
{{- $registries := dict -}}
{{- range $host, $entry := .Values.registries }}
{{- $entry = $entry | default dict }}
{{- $out := omit $entry "credentialsSecret" }}
{{- with $entry.credentialsSecret }}
{{- $_ := set $out "credentialsDir" (printf "%s/%s" (include "iae.registryCredentialsDir" $) .) }}
{{- end }}
{{- $_ := set $registries $host $out }}
{{- end }}
{{- dict "registries" $registries | toYaml }}
{{- end -}}

{{/*
The Secrets the registries file reads credentials from, each once, sorted.
*/}}
{{- define "iae.registryCredentialSecrets" -}}
{{- $names := list -}}
{{- range $host, $entry := .Values.registries }}
{{- with ($entry | default dict).credentialsSecret }}{{ $names = append $names . }}{{ end }}
{{- end }}
{{- $names | uniq | sortAlpha | toJson }}
{{- end -}}

{{/*
Whether to render a prometheus-operator object: "create", "skip" (enabled, but the cluster does not
serve the kind and force is off) or "off". Called with (list $ "PodMonitor" .Values.podMonitor).
helm install/upgrade learn the served kinds from the API server; helm template only knows those
given with --api-versions.
*/}}
{{- define "iae.operatorObject" -}}
{{- $root := index . 0 -}}
{{- $kind := index . 1 -}}
{{- $values := index . 2 -}}
{{- if not $values.enabled -}}
off
{{- else if or $values.force ($root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" $kind)) -}}
create
{{- else -}}
skip
{{- end -}}
{{- end -}}

{{/*
kubeletCredentials: where the node's files are mounted, and the checks of its values.
*/}}
{{- define "iae.nodeRoot" -}}/node{{- end -}}

{{- define "iae.kubeletCredentialsCheck" -}}
{{- $k := .Values.kubeletCredentials -}}
{{- if and $k.enabled (not $k.providerConfig) (not $k.dockerConfigFiles) -}}
{{- fail "kubeletCredentials.enabled: set providerConfig (with providerBinDir) or dockerConfigFiles, the node's sources to mount" -}}
{{- end -}}
{{- if and $k.enabled $k.providerConfig (not $k.providerBinDir) -}}
{{- fail "kubeletCredentials.providerConfig needs providerBinDir, the kubelet's plugin directory on the node" -}}
{{- end -}}
{{- end -}}

{{/*
The Secret holding the admission webhook's serving certificate (chart-generated or cert-manager's).
*/}}
{{- define "iae.admissionSecret" -}}
{{- printf "%s-admission-tls" (include "iae.fullname" .) -}}
{{- end -}}
