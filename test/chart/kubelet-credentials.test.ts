// kubeletCredentials: the node's credential provider plugins and docker config mounted read-only
// from the node, the exporter told where, the pod kept on the node pool whose credentials it
// borrows. Rendered with the real helm 3 and 4, every object valid for its schema, and installed
// with each into the real kube-apiserver.
import * as k8s from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { chartDir, helm, helms, type K8sObject, only, render, template, validateObject, valuesArgs } from '../support/helm.js';

type Volume = { name: string; hostPath?: { path: string; type: string } };
type Mount = { name: string; mountPath: string; readOnly?: boolean };
type PodSpec = {
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  volumes: Volume[];
  containers: Array<{ env: Array<{ name: string; value?: string }>; volumeMounts: Mount[] }>;
};

const eks = {
  enabled: true,
  providerConfig: '/etc/eks/image-credential-provider/config.json',
  providerBinDir: '/etc/eks/image-credential-provider',
  dockerConfigFiles: ['/var/lib/kubelet/config.json', '/root/.docker/config.json'],
  nodeSelector: { 'eks.amazonaws.com/nodegroup': 'general' },
};
const poolAffinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['private'] }] }] } } };

function podSpec(objects: K8sObject[]): PodSpec {
  return (only(objects, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

describe.each(helms)('$name', ({ path: binary }) => {
  test('on: the node\'s plugin config, plugin dir and docker config files are read-only hostPath mounts below /node, and the exporter is told where', () => {
    const objects = render(binary, { values: { kubeletCredentials: eks, nodeSelector: { 'kubernetes.io/os': 'linux' } } });
    for (const object of objects) validateObject(object);
    const spec = podSpec(objects);
    const hostPaths = spec.volumes.filter((volume) => volume.hostPath).map((volume) => ({ name: volume.name, ...volume.hostPath }));
    expect(hostPaths).toEqual([
      { name: 'kubelet-provider-config', path: '/etc/eks/image-credential-provider/config.json', type: 'File' },
      { name: 'kubelet-provider-bin', path: '/etc/eks/image-credential-provider', type: 'Directory' },
      { name: 'node-docker-config-0', path: '/var/lib/kubelet/config.json', type: 'File' },
      { name: 'node-docker-config-1', path: '/root/.docker/config.json', type: 'File' },
    ]);
    const mounts = spec.containers[0].volumeMounts.filter((mount) => hostPaths.some((volume) => volume.name === mount.name));
    expect(mounts.map((mount) => [mount.mountPath, mount.readOnly])).toEqual([
      ['/node/etc/eks/image-credential-provider/config.json', true],
      ['/node/etc/eks/image-credential-provider', true],
      ['/node/var/lib/kubelet/config.json', true],
      ['/node/root/.docker/config.json', true],
    ]);
    const env = Object.fromEntries(spec.containers[0].env.map((variable) => [variable.name, variable.value]));
    expect(env).toMatchObject({
      IAE_IMAGE_CREDENTIAL_PROVIDER_CONFIG: '/node/etc/eks/image-credential-provider/config.json',
      IAE_IMAGE_CREDENTIAL_PROVIDER_BIN_DIR: '/node/etc/eks/image-credential-provider',
      IAE_NODE_DOCKER_CONFIG_ROOT: '/node',
    });
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'eks.amazonaws.com/nodegroup': 'general' });
  });

  test('a providerConfig ending in / is a directory of configs; kubeletCredentials.affinity replaces affinity', () => {
    const spec = podSpec(render(binary, { values: { kubeletCredentials: { enabled: true, providerConfig: '/etc/kubernetes/credential-providers/', providerBinDir: '/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec', affinity: poolAffinity }, affinity: { podAntiAffinity: {} } } }));
    expect(spec.volumes.find((volume) => volume.name === 'kubelet-provider-config')?.hostPath).toEqual({ path: '/etc/kubernetes/credential-providers', type: 'Directory' });
    expect(spec.affinity).toEqual(poolAffinity);
    expect(spec.containers[0].env.some((variable) => variable.name === 'IAE_NODE_DOCKER_CONFIG_ROOT')).toBe(false);
  });

  test('off (the default), its values mount nothing and change no scheduling', () => {
    const spec = podSpec(render(binary, { values: { kubeletCredentials: { ...eks, enabled: false, affinity: poolAffinity } } }));
    expect(spec.volumes.filter((volume) => volume.hostPath)).toEqual([]);
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.affinity).toBeUndefined();
    expect(spec.containers[0].env.filter((variable) => /PROVIDER_CONFIG|PROVIDER_BIN_DIR|NODE_DOCKER/.test(variable.name))).toEqual([]);
  });

  test.each([
    [{ enabled: true }, 'kubeletCredentials.enabled: set providerConfig (with providerBinDir) or dockerConfigFiles'],
    [{ enabled: true, providerConfig: '/etc/eks/image-credential-provider/config.json' }, 'kubeletCredentials.providerConfig needs providerBinDir'],
    [{ enabled: true, dockerConfigFiles: ['var/lib/kubelet/config.json'] }, 'dockerConfigFiles'],
  ])('refused: %j', (values, message) => {
    const result = template(binary, { values: { kubeletCredentials: values } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe('installed into the real kube-apiserver', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startApiServer();
  });
  afterAll(async () => {
    await api?.stop();
  });

  test.each(helms)('$name install with kubeletCredentials on: the stored Deployment keeps the read-only hostPath volumes and the node pool selector', async ({ name, path: binary }) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const namespace = `monitoring-${name}`;
    const values = { kubeletCredentials: eks, podMonitor: { enabled: false }, prometheusRule: { enabled: false } };
    // Cluster-scoped objects carry the release name: one release per helm.
    const result = helm(binary, ['install', `iae-${name}`, chartDir, '--namespace', namespace, '--create-namespace', '--kubeconfig', api.kubeconfigPath, ...valuesArgs({ values })]);
    expect({ status: result.status, error: result.status === 0 ? '' : result.stderr }).toEqual({ status: 0, error: '' });
    const deployments = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace });
    expect(deployments.items).toHaveLength(1);
    const spec = deployments.items[0].spec!.template.spec!;
    const volumes = spec.volumes!.filter((volume) => volume.hostPath);
    expect(volumes.map((volume) => [volume.hostPath!.path, volume.hostPath!.type])).toEqual([
      ['/etc/eks/image-credential-provider/config.json', 'File'],
      ['/etc/eks/image-credential-provider', 'Directory'],
      ['/var/lib/kubelet/config.json', 'File'],
      ['/root/.docker/config.json', 'File'],
    ]);
    const mounts = spec.containers[0].volumeMounts!.filter((mount) => volumes.some((volume) => volume.name === mount.name));
    expect(mounts.map((mount) => mount.readOnly)).toEqual([true, true, true, true]);
    expect(spec.nodeSelector).toEqual({ 'eks.amazonaws.com/nodegroup': 'general' });
  });
});

