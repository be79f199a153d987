// containerd unpacks a single-platform manifest only if its config's rootfs.diff_ids pair with its
// layers, and only if the config blob exists: an OCI artifact, a cosign signature or a Helm chart
// fails the kubelet's pull with "mismatched image rootfs and manifest layers", a lost config blob
// with "not found" (both seen on the test bed's kubelet, test/oracle).
import { deleteBlob, pushManifest } from '../support/image-push.js';
import { buildImage } from '../support/image-content.js';
import { parseReference } from '../../src/registry/references/reference.js';
import { RegistryClient } from '../../src/registry/client.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { Agent } from 'undici';
import { artifact, cosignSignature, helmChart } from '../oracle/odd-manifests.js';
import { startEndlessBodyServer } from '../oracle/failure-servers.js';

let registry: TestRegistry;
let client: RegistryClient;
const agent = new Agent();
const target = () => ({ url: registry.url, dispatcher: agent, authorization: async () => undefined });
const check = (repo: string, tag = 'v1') => client.check(parseReference(`${registry.host}/${repo}:${tag}`), []);

beforeAll(async () => {
  registry = await startRegistry({ auth: 'none' });
  client = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 2, userAgent: 't', nodePlatforms: () => ['linux/amd64'] });
});

afterAll(async () => {
  await client.close();
  await agent.close();
  await registry.stop();
});

test('an OCI artifact, a cosign signature and a Helm chart are absent, saying they are not container images; images are available', async () => {
  for (const [repo, odd] of [['team/sbom', artifact()], ['team/chart', helmChart()], ['team/sig', cosignSignature(`sha256:${'1'.repeat(64)}`)]] as const) {
    await pushManifest(target(), repo, 'v1', odd.manifest, odd.blobs);
    const result = await check(repo);
    expect(result.status).toBe('absent');
    expect(result.failure).toBe('not-an-image');
    expect(result.message).toContain('mismatched image rootfs and manifest layers');
  }
  await registry.pushImage('team/app', 'v1');
  await registry.pushImage('team/oci', 'v1', { format: 'oci' });
  expect((await check('team/app')).status).toBe('available');
  expect((await check('team/oci')).status).toBe('available');
});

test("a manifest whose config blob was deleted is absent; the manifest and config are read once per digest, the config's existence asked again only after an hour", async () => {
  const built = buildImage('docker', { os: 'linux', architecture: 'amd64' });
  await pushManifest(target(), 'team/gc', 'v1', built.manifest, built.blobs);
  await registry.resetRequests();
  expect((await check('team/gc')).status).toBe('available');
  expect((await check('team/gc')).status).toBe('available');
  const reads = (await registry.requests()).filter((r) => r.method === 'GET');
  expect(reads.map((r) => r.path)).toEqual([`/v2/team/gc/manifests/${built.manifest.digest}`, `/v2/team/gc/blobs/${built.blobs[0].digest}`]);

  await pushManifest(target(), 'team/gc-lost', 'v1', built.manifest, built.blobs);
  await deleteBlob(target(), 'team/gc-lost', built.blobs[0].digest);
  const lost = await buildAndCheckFresh('team/gc-lost');
  expect(lost.status).toBe('absent');
  expect(lost.failure).toBe('config-absent');
  expect(lost.message).toContain(built.blobs[0].digest);
});

/** A client of its own: the shared one believes the config of this digest exists for an hour. */
async function buildAndCheckFresh(repo: string) {
  const fresh = new RegistryClient({ requestTimeoutMs: 3000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [registry.host], connectionsPerOrigin: 2, userAgent: 't', nodePlatforms: () => ['linux/amd64'] });
  try {
    return await fresh.check(parseReference(`${registry.host}/${repo}:v1`), []);
  } finally {
    await fresh.close();
  }
}

test("a manifest whose HEAD names no digest is read as containerd reads it; a body that never ends makes the registry unavailable, not available", async () => {
  const server = await startEndlessBodyServer();
  const patient = new RegistryClient({ requestTimeoutMs: 1000, caFiles: [], insecureSkipVerifyHosts: [], plainHttpHosts: [server.host], connectionsPerOrigin: 2, userAgent: 't', nodePlatforms: () => ['linux/amd64'] });
  try {
    const result = await patient.check(parseReference(`${server.host}/team/endless:v1`), []);
    expect(result.status).toBe('registry_unavailable');
    expect(server.requests.some((request) => request.method === 'GET' && request.url === '/v2/team/endless/manifests/v1')).toBe(true);
  } finally {
    await patient.close();
    await server.stop();
  }
});
