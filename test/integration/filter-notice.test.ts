// The Go exporter's `-ignored-images a~b`, copied as is: two regular expressions matched anywhere,
// so nearly every image is ignored. Against the real API server, the log and the status page say
// so and name the setting, instead of "0 images" and nothing else.
import * as k8s from '@kubernetes/client-node';
import { loadSettings } from '../../src/settings/config.js';
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { eventually } from '../support/metrics-text.js';

const NS = 'shop';
const IMAGES = ['bitnami/redis:7', 'quay.io/prometheus/node-exporter:v1.8.0', 'ghcr.io/shop/api:2.3.1', 'registry.k8s.io/kube-apiserver:v1.31.0', 'docker.io/library/nginx:1.25'];

describe('ignoredImages that ignores every image', () => {
  let api: ApiServer;
  let exporter: TestExporter;

  beforeAll(async () => {
    api = await startApiServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    for (const [i, image] of IMAGES.entries()) {
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: { metadata: { name: `app-${i}` }, spec: { selector: { matchLabels: { app: `app-${i}` } }, template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers: [{ name: 'c', image }] } } } },
      });
    }
    const { ignoredImages } = loadSettings(['-ignored-images', 'a~b'], {});
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath, ignoredImages });
  }, 240_000);

  afterAll(async () => {
    await exporter?.stop();
    await api?.stop();
  });

  test('the log warns once, naming --ignored-images and its expressions; the status page says the same above "No images match"', async () => {
    const line = await eventually(async () => exporter.logs.find((entry) => entry.includes('none of them is checked')), Boolean, 20_000, 'the filter warning');
    const entry = JSON.parse(line!) as { level: string; msg: string; considered: number; ignoredImages: number };
    expect(entry).toMatchObject({ level: 'warn', considered: IMAGES.length, ignoredImages: IMAGES.length });
    expect(entry.msg).toContain('--ignored-images (ignoredImages) ignores 5 of them, matching "regex:a", "regex:b"');
    const page = await (await fetch(`${exporter.url}/`)).text();
    expect(page).toMatch(/<section class="notices" role="alert">\n<p>Of the 5 containers&#39; images in the cluster, none of them is checked: --ignored-images \(ignoredImages\)/);
    expect(page).toContain('No images match.');
    await new Promise((resolve) => setTimeout(resolve, 4500));
    expect(exporter.logs.filter((entry) => entry.includes('none of them is checked'))).toHaveLength(1);
  }, 30_000);
});
