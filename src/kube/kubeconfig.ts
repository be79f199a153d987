import * as k8s from '@kubernetes/client-node';

/** An explicit path, or the library's default order: $KUBECONFIG, ~/.kube/config, in-cluster. */
export function loadKubeConfig(path: string): k8s.KubeConfig {
  const kubeConfig = new k8s.KubeConfig();
  if (path) kubeConfig.loadFromFile(path);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}
