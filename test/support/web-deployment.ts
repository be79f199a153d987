// Namespace `shop` and its Deployment `web` with the given containers, through the real API server:
// the one workload the end-to-end alerting tests watch.
import * as k8s from '@kubernetes/client-node';

export async function createShopWeb(kubeconfigPath: string, containers: Array<{ name: string; image: string }>): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: 'shop' } } });
  await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace: 'shop',
    body: {
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers } } },
    },
  });
}
