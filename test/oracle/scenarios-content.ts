// The content rows of the differential suite: reference forms and manifest types, run on every
// registry implementation (no auth). Each row pushes into a repository of its own.
import { deleteBlob, deleteManifest, pushImage, pushIndex, pushManifest } from '../support/image-push.js';
import { buildImage, type Platform } from '../support/image-content.js';
import type { ContentTarget } from './bed.js';
import { artifact, cosignSignature, helmChart, schema1 } from './odd-manifests.js';
import type { Scenario } from './scenario-types.js';

const amd64: Platform = { os: 'linux', architecture: 'amd64' };
const arm64: Platform = { os: 'linux', architecture: 'arm64' };
const s390x: Platform = { os: 'linux', architecture: 's390x' };

const image = (t: ContentTarget, repo: string, tag = 'v1') => pushImage(t.push, repo, tag);

function row(id: string, category: Scenario['category'], kubelet: Scenario['kubelet'], what: string, setup: (t: ContentTarget) => Promise<string>, mayBeRefused = false): Scenario {
  return { id, category, what, kubelet, on: 'content', mayBeRefused, setup: async (_bed, t) => ({ image: await setup(t) }) };
}

export const contentScenarios: Scenario[] = [
  row('tag', 'reference', 'pulled', 'host:port/repo:tag of a Docker v2 image', async (t) => {
    await image(t, 'ref/tag');
    return `${t.host}/ref/tag:v1`;
  }),
  row('digest', 'reference', 'pulled', 'repo@sha256 of a pushed manifest', async (t) => `${t.host}/ref/digest@${await image(t, 'ref/digest')}`),
  row('tag-and-digest', 'reference', 'pulled', 'repo:tag@sha256 (the digest wins; the tag names nothing)', async (t) => `${t.host}/ref/both:nosuchtag@${await image(t, 'ref/both')}`),
  row('implicit-latest', 'reference', 'pulled', 'no tag: latest, which is pushed', async (t) => {
    await image(t, 'ref/latest', 'latest');
    return `${t.host}/ref/latest`;
  }),
  row('implicit-latest-missing', 'reference', 'not pulled', 'no tag: latest, which is not pushed (only v1 is)', async (t) => {
    await image(t, 'ref/nolatest');
    return `${t.host}/ref/nolatest`;
  }),
  row('missing-tag', 'reference', 'not pulled', 'a tag the repository lacks', async (t) => {
    await image(t, 'ref/missing-tag');
    return `${t.host}/ref/missing-tag:v2`;
  }),
  row('missing-repo', 'reference', 'not pulled', 'a repository never pushed', async (t) => `${t.host}/ref/never-pushed:v1`),
  row('missing-digest', 'reference', 'not pulled', 'a digest the repository lacks', async (t) => {
    await image(t, 'ref/missing-digest');
    return `${t.host}/ref/missing-digest@sha256:${'0'.repeat(64)}`;
  }),
  row('uppercase-repo', 'reference', 'not pulled', 'uppercase in the repository: not a valid reference (InvalidImageName)', async (t) => `${t.host}/Ref/Upper:v1`),
  row('uppercase-tag', 'reference', 'pulled', 'uppercase in the tag, which tags allow', async (t) => {
    await image(t, 'ref/upper-tag', 'V1-Final');
    return `${t.host}/ref/upper-tag:V1-Final`;
  }),
  row('name-over-255', 'reference', 'not pulled', 'a name of 256+ characters (host included): not a valid reference', async (t) => `${t.host}/${'a'.repeat(250)}:v1`),
  row('long-name', 'reference', 'pulled', 'a nested name of 200 characters', async (t) => {
    const repo = `ref/${'b'.repeat(60)}/${'c'.repeat(60)}/${'d'.repeat(70)}`;
    await image(t, repo);
    return `${t.host}/${repo}:v1`;
  }),
  row('tag-128', 'reference', 'pulled', 'a tag of 128 characters, the longest allowed', async (t) => {
    const tag = `t${'x'.repeat(127)}`;
    await image(t, 'ref/long-tag', tag);
    return `${t.host}/ref/long-tag:${tag}`;
  }),
  row('tag-129', 'reference', 'not pulled', 'a tag of 129 characters: not a valid reference', async (t) => `${t.host}/ref/long-tag:t${'x'.repeat(128)}`),
  row('docker-v2', 'manifest', 'pulled', 'Docker image manifest v2 (schema 2)', async (t) => {
    await image(t, 'man/docker');
    return `${t.host}/man/docker:v1`;
  }),
  row('oci-manifest', 'manifest', 'pulled', 'OCI image manifest', async (t) => {
    await pushImage(t.push, 'man/oci', 'v1', { format: 'oci' });
    return `${t.host}/man/oci:v1`;
  }),
  row('single-arm64', 'manifest', 'pulled', "a single-platform image (no index) whose config says linux/arm64 (containerd 1.6 pulls it; running it is the node's problem)", async (t) => {
    await pushImage(t.push, 'man/arm64-only', 'v1', { platform: arm64 });
    return `${t.host}/man/arm64-only:v1`;
  }),
  row('oci-index', 'manifest', 'pulled', 'OCI index with linux/amd64 and linux/arm64', async (t) => {
    await pushIndex(t.push, 'man/oci-index', 'v1', { format: 'oci-index', platforms: [amd64, arm64] });
    return `${t.host}/man/oci-index:v1`;
  }),
  row('docker-list', 'manifest', 'pulled', 'Docker manifest list with linux/amd64 and linux/arm64', async (t) => {
    await pushIndex(t.push, 'man/docker-list', 'v1', { format: 'docker-list', platforms: [amd64, arm64] });
    return `${t.host}/man/docker-list:v1`;
  }),
  row('index-no-amd64', 'manifest', 'not pulled', "OCI index without the node's platform (linux/arm64, linux/s390x)", async (t) => {
    await pushIndex(t.push, 'man/no-amd64', 'v1', { format: 'oci-index', platforms: [arm64, s390x] });
    return `${t.host}/man/no-amd64:v1`;
  }),
  row('list-no-amd64', 'manifest', 'not pulled', "Docker manifest list without the node's platform (linux/arm64)", async (t) => {
    await pushIndex(t.push, 'man/list-no-amd64', 'v1', { format: 'docker-list', platforms: [arm64] });
    return `${t.host}/man/list-no-amd64:v1`;
  }),
  row('index-no-amd64-digest', 'manifest', 'not pulled', "OCI index without the node's platform, by digest", async (t) => {
    const index = await pushIndex(t.push, 'man/no-amd64-digest', 'v1', { format: 'oci-index', platforms: [arm64] });
    return `${t.host}/man/no-amd64-digest@${index.digest}`;
  }),
  row('index-amd64-deleted', 'manifest', 'not pulled', "OCI index whose linux/amd64 entry names a manifest deleted from the registry", async (t) => {
    const index = await pushIndex(t.push, 'man/amd64-deleted', 'v1', { format: 'oci-index', platforms: [amd64, arm64] });
    await deleteManifest(t.push, 'man/amd64-deleted', index.children[0].digest);
    return `${t.host}/man/amd64-deleted:v1`;
  }),
  row('index-arm64-deleted', 'manifest', 'pulled', 'OCI index whose linux/arm64 entry is deleted (the node needs only amd64)', async (t) => {
    const index = await pushIndex(t.push, 'man/arm64-deleted', 'v1', { format: 'oci-index', platforms: [amd64, arm64] });
    await deleteManifest(t.push, 'man/arm64-deleted', index.children[1].digest);
    return `${t.host}/man/arm64-deleted:v1`;
  }),
  row('artifact', 'manifest', 'not pulled', 'an OCI artifact (SBOM: artifactType, empty config, a non-layer blob)', async (t) => {
    const odd = artifact();
    await pushManifest(t.push, 'man/artifact', 'v1', odd.manifest, odd.blobs);
    return `${t.host}/man/artifact:v1`;
  }, true),
  row('cosign-signature', 'manifest', 'not pulled', 'a cosign signature manifest (sha256-<digest>.sig)', async (t) => {
    const signed = await image(t, 'man/signed');
    const odd = cosignSignature(signed);
    const tag = `${signed.replace(':', '-')}.sig`;
    await pushManifest(t.push, 'man/signed', tag, odd.manifest, odd.blobs);
    return `${t.host}/man/signed:${tag}`;
  }, true),
  row('helm-chart', 'manifest', 'not pulled', 'a Helm chart pushed to an OCI registry', async (t) => {
    const odd = helmChart();
    await pushManifest(t.push, 'man/chart', '0.1.0', odd.manifest, odd.blobs);
    return `${t.host}/man/chart:0.1.0`;
  }, true),
  row('schema1', 'manifest', 'not pulled', 'Docker schema 1, unsigned, where the registry stores it (containerd 1.6 fails to convert it)', async (t) => {
    const odd = schema1('man/schema1', 'v1');
    await pushManifest(t.push, 'man/schema1', 'v1', odd.manifest, odd.blobs);
    return `${t.host}/man/schema1:v1`;
  }, true),
  row('config-blob-missing', 'manifest', 'not pulled', "a manifest whose config blob was deleted", async (t) => {
    const built = buildImage('docker', amd64);
    await pushManifest(t.push, 'man/no-config', 'v1', built.manifest, built.blobs);
    await deleteBlob(t.push, 'man/no-config', built.blobs[0].digest);
    return `${t.host}/man/no-config:v1`;
  }, true),
  row('layer-blob-missing', 'manifest', 'not pulled', 'a manifest whose layer blob was deleted', async (t) => {
    const built = buildImage('docker', amd64);
    await pushManifest(t.push, 'man/no-layer', 'v1', built.manifest, built.blobs);
    await deleteBlob(t.push, 'man/no-layer', built.blobs[1].digest);
    return `${t.host}/man/no-layer:v1`;
  }, true),
];
