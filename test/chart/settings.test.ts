// Every exporter setting is a chart value that reaches the exporter: the chart is rendered with the
// real helm, and the container's environment is fed to the exporter's own loadSettings(), so a value
// that is not passed, passed under the wrong variable or mangled on the way fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSettings, schema, Settings } from '../../src/settings/config.js';
import { chartDir, helms, K8sObject, only, render } from '../support/helm.js';
import { repoRoot } from '../support/tools.js';

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

/** Settings the chart does not offer, and why. */
const notChartValues: Record<string, string> = {
  kubeconfig: 'in a pod the exporter uses its service account (in-cluster configuration)',
  registriesFile: 'the chart writes the file from the `registries` value and mounts it (registries.test.ts)',
  imageCredentialProviderConfig: 'kubeletCredentials.providerConfig mounts the node\'s file and sets it (kubelet-credentials.test.ts)',
  imageCredentialProviderBinDir: 'kubeletCredentials.providerBinDir mounts the node\'s directory and sets it (kubelet-credentials.test.ts)',
  nodeDockerConfigRoot: 'kubeletCredentials.dockerConfigFiles mounts the node\'s files and sets it (kubelet-credentials.test.ts)',
  autoShard: '`shards` above 1 turns it on for the StatefulSet it renders (shards.test.ts)',
  podName: 'with `shards` above 1, set from the downward API (shards.test.ts)',
  podNamespace: 'with `shards` above 1, set from the downward API (shards.test.ts)',
  admissionBindAddress: '`admission.enabled` sets it with the webhook\'s port (admission.test.ts)',
  admissionTlsCertFile: '`admission.enabled` sets it to the mounted serving certificate (admission.test.ts)',
  admissionTlsKeyFile: '`admission.enabled` sets it to the mounted serving key (admission.test.ts)',
  admissionClientCaFile: '`admission.clientCaConfigMap` sets it to the mounted CA (admission.test.ts)',
  admissionDeny: '`admission.deny` sets it (admission.test.ts)',
  admissionCheckBudget: '`admission.checkBudget` sets it (admission.test.ts)',
};

const chartSettings = Object.keys(schema).filter((key) => !(key in notChartValues)) as Array<keyof Settings>;

const everythingFile = join(repoRoot, 'test', 'chart', 'values-everything.yaml');
const everything = parse(readFileSync(everythingFile, 'utf8')) as Record<string, unknown>;

/** What the exporter must parse from values-everything.yaml's value of each setting. */
const expected: Record<string, unknown> = {
  bindAddress: ':9102',
  checkInterval: 120_000, // 2m
  ignoredImages: ['registry.example.com/internal/*', '*:latest', 'docker.io/library/busybox'],
  allowedImages: ['registry.example.com/*', 'ghcr.io/acme/*'],
  defaultRegistry: 'registry.example.com:5000',
  imageMirrors: ['docker.io=mirror.example.com/dockerhub', 'ghcr.io/acme=registry.example.com/acme'],
  namespaceLabel: 'image-checks=enabled',
  ignoredNamespaces: ['kube-system', 'scratch'],
  statusPage: false,
  shard: 1,
  recordEvents: true,
  checkPlatforms: true,
  totalShards: 3,
  forceCheckDisabledControllers: ['deployment', 'cronjob'],
  checkJobs: false,
  checkPods: true,
  extraWorkloads: ['argoproj.io/v1alpha1/rollouts:spec.template:replicas=spec.replicas', 'apps.kruise.io/v1alpha1/clonesets:spec.template:replicas=spec.replicas:suspend=spec.updateStrategy.paused'],
  registryRequestTimeout: 90_000, // 1m30s
  registryConcurrency: 3,
  maxConcurrentChecks: 20,
  retryInitialDelay: 500, // 500ms
  maxTrackedImages: 20_000,
  caFiles: ['/etc/image-availability-exporter/ca/registry-ca.pem', '/etc/image-availability-exporter/ca/lab-ca.pem'],
  insecureSkipVerifyRegistries: ['registry.internal:5000'],
  plainHttpRegistries: ['localhost:5000', 'registry.lab'],
  cloudCredentials: ['ecr', 'gcp', 'acr'],
  cloudCredentialHosts: ['registry.internal:5000=ecr'],
  cloudCredentialEndpoints: ['ecr=https://vpce-0123.api.ecr.eu-west-1.vpce.amazonaws.com', 'gcp=http://metadata.internal:8080'],
  metricsFormat: 'unified',
  imageCredentialProviderTimeout: 30_000, // 30s
  kubeletRootDir: '/var/snap/microk8s/common/var/lib/kubelet',
  dockerConfigCredentials: false,
  logLevel: 'debug',
};

function containerEnv(objects: K8sObject[]): EnvVar[] {
  const deployment = only(objects, 'Deployment') as unknown as {
    spec: { template: { spec: { containers: Array<{ env: EnvVar[] }> } } };
  };
  return deployment.spec.template.spec.containers[0].env;
}

/** The IAE_* variables of the container as a process environment. */
function settingsEnv(objects: K8sObject[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const variable of containerEnv(objects)) {
    // The registries file exists only inside the pod; registries.test.ts follows it there.
    if (!variable.name.startsWith('IAE_') || variable.name === 'IAE_REGISTRIES_FILE') continue;
    expect(variable.valueFrom).toBeUndefined();
    // No value is the empty string, as Kubernetes sets it (the chart leaves empty settings so).
    expect(['string', 'undefined']).toContain(typeof variable.value);
    env[variable.name] = variable.value ?? '';
  }
  return env;
}

function withoutKubeconfig(settings: Settings): Partial<Settings> {
  const { kubeconfig: _ignored, ...rest } = settings;
  return rest;
}

test('every key of the exporter settings schema is a chart value, or is listed as left out with a reason', () => {
  const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const valuesSchema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
    properties: Record<string, unknown>;
  };
  for (const key of Object.keys(schema)) {
    if (key in notChartValues) {
      expect(values).not.toHaveProperty([key]);
      continue;
    }
    expect({ key, inValuesYaml: key in values, inValuesSchema: key in valuesSchema.properties }).toEqual({
      key,
      inValuesYaml: true,
      inValuesSchema: true,
    });
  }
  expect(Object.keys(expected).sort()).toEqual([...chartSettings].sort());
});

test('values-everything.yaml sets every setting to something other than the exporter default', () => {
  const defaults = loadSettings([], {});
  for (const key of chartSettings) {
    expect({ key, set: key in everything }).toEqual({ key, set: true });
    expect({ key, value: defaults[key] }).not.toEqual({ key, value: expected[key] });
  }
});

describe.each(helms)('$name', ({ path: binary }) => {
  test('each setting of values-everything.yaml reaches the exporter as the value given', () => {
    const env = settingsEnv(render(binary, { valuesFiles: [everythingFile] }));
    // The CA files exist only in the pod, and the exporter reads them at start (go-exporter-flags.test.ts):
    // their paths are compared as the variable gives them.
    const { IAE_CAPATH: caPath, ...rest } = env;
    const settings = { ...loadSettings([], rest), caFiles: caPath!.split(',') };
    for (const key of chartSettings) {
      expect({ key, value: settings[key] }).toEqual({ key, value: expected[key] });
    }
  });

  test('only variables of the settings schema are set, each once, and never IAE_KUBECONFIG', () => {
    const known = new Set(Object.values(schema).map((entry) => entry.env));
    for (const file of [[], [everythingFile]]) {
      const names = containerEnv(render(binary, { valuesFiles: file }))
        .map((variable) => variable.name)
        .filter((name) => name.startsWith('IAE_') && name !== 'IAE_REGISTRIES_FILE');
      expect(names.filter((name) => !known.has(name))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
      expect(names).not.toContain('IAE_KUBECONFIG');
      expect(names).toHaveLength(chartSettings.length);
    }
  });

  test('the chart defaults are the exporter defaults', () => {
    const fromChart = loadSettings([], settingsEnv(render(binary)));
    expect(withoutKubeconfig(fromChart)).toEqual(withoutKubeconfig(loadSettings([], {})));
  });

  test('large whole numbers reach the exporter without an exponent, lists of one item as a list', () => {
    const env = settingsEnv(
      render(binary, {
        values: { maxConcurrentChecks: 2_000_000, registryConcurrency: 1_000_000, ignoredImages: ['only/one:*'] },
      }),
    );
    expect(env.IAE_MAX_CONCURRENT_CHECKS).toBe('2000000');
    const settings = loadSettings([], env);
    expect(settings.maxConcurrentChecks).toBe(2_000_000);
    expect(settings.registryConcurrency).toBe(1_000_000);
    expect(settings.ignoredImages).toEqual(['only/one:*']);
  });

  test('"*" for forceCheckDisabledControllers and Go durations with fractions and units reach the exporter', () => {
    const settings = loadSettings(
      [],
      settingsEnv(
        render(binary, {
          values: { forceCheckDisabledControllers: ['*'], checkInterval: '1h30m', retryInitialDelay: '1.5s' },
        }),
      ),
    );
    expect(settings.forceCheckDisabledControllers).toEqual(['*']);
    expect(settings.checkInterval).toBe(5_400_000);
    expect(settings.retryInitialDelay).toBe(1500);
  });
});
