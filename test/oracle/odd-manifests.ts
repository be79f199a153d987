// Manifests that are not a runnable image of the node's platform but that registries store: an
// OCI artifact, a cosign signature, a Helm chart, an unsigned Docker schema 1 manifest. Their
// forms follow the OCI image spec (manifest.md: artifactType and the empty descriptor), cosign's
// specs/SIGNATURE_SPEC.md, Helm's OCI media types (helm.sh/docs/topics/registries) and Docker's
// schema 1 (distribution docs/spec/deprecated-schema-v1.md).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { blob, descriptor, digestOf, MediaType, type Blob } from '../support/image-content.js';

export type OddImage = { manifest: Blob; blobs: Blob[] };

function ociManifest(config: Blob, layers: Blob[], extra: Record<string, unknown> = {}): Blob {
  return blob(MediaType.ociManifest, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, ...extra, config: descriptor(config), layers: layers.map(descriptor) })));
}

/** An SBOM as an OCI artifact: artifactType, the empty config, one non-layer blob. */
export function artifact(): OddImage {
  const config = blob('application/vnd.oci.empty.v1+json', Buffer.from('{}'));
  const sbom = blob('application/spdx+json', Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: randomBytes(4).toString('hex') })));
  return { manifest: ociManifest(config, [sbom], { artifactType: 'application/spdx+json' }), blobs: [config, sbom] };
}

/** A cosign signature: an OCI image config and one simplesigning layer, tagged sha256-<digest>.sig by cosign. */
export function cosignSignature(signed: string): OddImage {
  const payload = blob('application/vnd.dev.cosign.simplesigning.v1+json', Buffer.from(JSON.stringify({ critical: { image: { 'docker-manifest-digest': signed }, type: 'cosign container image signature' } })));
  const config = blob(MediaType.ociConfig, Buffer.from(JSON.stringify({ architecture: '', os: '', config: {}, rootfs: { type: 'layers', diff_ids: [payload.digest] } })));
  const manifest = blob(MediaType.ociManifest, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: descriptor(config),
    layers: [{ ...descriptor(payload), annotations: { 'dev.cosignproject.cosign/signature': randomBytes(32).toString('base64') } }],
  })));
  return { manifest, blobs: [config, payload] };
}

/** A Helm chart pushed with `helm push`: its config and its chart archive. */
export function helmChart(): OddImage {
  const config = blob('application/vnd.cncf.helm.config.v1+json', Buffer.from(JSON.stringify({ name: 'chart', version: '0.1.0', apiVersion: 'v2' })));
  const chart = blob('application/vnd.cncf.helm.chart.content.v1.tar+gzip', gzipSync(randomBytes(64)));
  return { manifest: ociManifest(config, [chart]), blobs: [config, chart] };
}

/** Docker schema 1, unsigned (application/vnd.docker.distribution.manifest.v1+json). */
export function schema1(repo: string, tag: string): OddImage {
  const layer = blob(MediaType.dockerLayer, gzipSync(Buffer.alloc(1024)));
  const v1 = { id: randomBytes(32).toString('hex'), architecture: 'amd64', os: 'linux', created: new Date().toISOString(), config: {} };
  const manifest = blob('application/vnd.docker.distribution.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 1,
    name: repo,
    tag,
    architecture: 'amd64',
    fsLayers: [{ blobSum: layer.digest }],
    history: [{ v1Compatibility: JSON.stringify(v1) }],
  })));
  return { manifest, blobs: [layer] };
}

export const digestOfManifest = (image: OddImage) => digestOf(image.manifest.bytes);
