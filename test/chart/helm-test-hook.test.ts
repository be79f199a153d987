// The `helm test` hook: a Pod that GETs the exporter's /readyz through the Service with the
// exporter's own image (distroless Node.js, so `node -e`), hardened like the exporter's pod and
// never selected by the Service, monitors or budget. Its script runs here as the image runs it,
// against a real exporter watching a real API server.
import { startApiServer, type ApiServer } from '../support/apiserver.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { helm, chartDir, helms, only, operatorApiVersions, parseManifests, render, type K8sObject } from '../support/helm.js';
import { freePort, runAsync } from '../support/processes.js';

type Container = { image: string; command: string[]; args?: string[]; securityContext: Record<string, unknown>; resources: { requests?: object; limits?: object } };
type PodShape = { metadata: K8sObject['metadata']; spec: { restartPolicy: string; automountServiceAccountToken: boolean; securityContext: Record<string, unknown>; containers: Container[] } };
type Selecting = { spec: { selector: { matchLabels?: Record<string, string> } & Record<string, string> } };

const testPod = (objects: K8sObject[]) => only(objects, 'Pod') as unknown as PodShape;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

describe.each(helms)('$name', ({ path: binary }) => {
  test('renders a test hook Pod that GETs /readyz through the Service, with the exporter\'s image, hardened', () => {
    const objects = render(binary, { apiVersions: operatorApiVersions, values: { podDisruptionBudget: { enabled: true } } });
    const pod = testPod(objects);
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    const [container] = pod.spec.containers;
    const exporter = (only(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0];
    expect(container.image).toBe(exporter.image);
    expect(container.command.slice(0, 2)).toEqual(['/nodejs/bin/node', '-e']);
    const service = only(objects, 'Service');
    expect(container.command.at(-1)).toBe(`http://${service.metadata.name}.monitoring.svc:8080/readyz`);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toMatchObject({ requests: expect.any(Object), limits: expect.any(Object) });
    // Selected by none of the exporter's selectors: the Service would otherwise send scrapes to it.
    const labels = pod.metadata.labels ?? {};
    expect(selects((service as unknown as Selecting).spec.selector, labels)).toBe(false);
    for (const kind of ['Deployment', 'PodMonitor', 'PodDisruptionBudget']) {
      expect(selects((only(objects, kind) as unknown as Selecting).spec.selector.matchLabels ?? {}, labels)).toBe(false);
    }
  });

  test('no test Pod without the Service, with helmTest.enabled false, or with --skip-tests', () => {
    expect(render(binary, { values: { service: { enabled: false } } }).filter((object) => object.kind === 'Pod')).toEqual([]);
    expect(render(binary, { values: { helmTest: { enabled: false } } }).filter((object) => object.kind === 'Pod')).toEqual([]);
    const skipped = helm(binary, ['template', 'iae', chartDir, '--skip-tests']);
    expect(skipped.status).toBe(0);
    expect(parseManifests(skipped.stdout).map((object) => object.kind)).not.toContain('Pod');
  });
});

describe('the test Pod\'s script, run as the image runs it', () => {
  const [container] = testPod(render(helms[0].path, {})).spec.containers;
  // The image's node is /nodejs/bin/node; here the one running the tests.
  const runScript = (url: string) => runAsync(process.execPath, [...container.command.slice(1, -1), url], { timeoutMs: 30_000 });
  let api: ApiServer;
  let exporter: TestExporter;
  beforeAll(async () => {
    api = await startApiServer();
    exporter = await startExporter({ kubeconfig: api.kubeconfigPath });
  }, 120_000);
  afterAll(async () => {
    await exporter?.stop();
    await api?.stop();
  });

  test('passes against a ready exporter', async () => {
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${exporter.url}/readyz`)).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await runScript(`${exporter.url}/readyz`);
    expect(result.output).toContain('HTTP 200 ok');
    expect(result.code).toBe(0);
  }, 60_000);

  test('fails, saying what to check, when nothing answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}/readyz`;
    const result = await runScript(url);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`GET ${url}: `);
    expect(result.output).toContain('ECONNREFUSED');
    expect(result.output).toContain("check the exporter's pod is Ready");
  }, 60_000);

  test('fails with the exporter\'s reason when /readyz is not 200', async () => {
    const result = await runScript(`${exporter.url}/nothing-here`);
    expect(result.code).toBe(1);
    expect(result.output).toContain('HTTP 404, not 200');
    expect(result.output).toContain('not found');
  }, 60_000);
});
