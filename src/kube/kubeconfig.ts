import { KubeConfig } from './client-library.js';

/** An explicit path, or the library's default order: $KUBECONFIG, ~/.kube/config, in-cluster. */
export function loadKubeConfig(path: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  const where = path || 'the default locations';
  try {
    if (path) kubeConfig.loadFromFile(path);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new Error(`cannot load kubeconfig from ${where}: ${(error as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new Error(`kubeconfig from ${where} has no current cluster`);
  return kubeConfig;
}
