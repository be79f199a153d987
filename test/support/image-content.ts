// The bytes of small but real images: a gzipped tar layer holding one random file, an
// image config whose diff_ids match it, and manifests / lists / indexes that reference
// them with correct digests and sizes.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** busybox-static: the one file of a runnable image, so a pod on the test node really starts. */
const BUSYBOX = '/bin/busybox';

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Platform {
  os: string;
  architecture: string;
}

export interface Blob {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

export interface ImageContent {
  blobs: Blob[];
  manifest: Blob;
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: digestOf(bytes), bytes };
}

export function descriptor(b: Blob): { mediaType: string; size: number; digest: string } {
  return { mediaType: b.mediaType, size: b.bytes.length, digest: b.digest };
}

/**
 * One image. `runnable`: its layer is busybox and its entrypoint `busybox sleep`, so a container
 * made from it runs on the test node; otherwise the layer is one random file (pulls, never runs).
 */
export function buildImage(format: 'docker' | 'oci', platform: Platform, runnable = false): ImageContent {
  const types = format === 'docker'
    ? { manifest: MediaType.dockerManifest, config: MediaType.dockerConfig, layer: MediaType.dockerLayer }
    : { manifest: MediaType.ociManifest, config: MediaType.ociConfig, layer: MediaType.ociLayer };
  const tar = runnable ? tarWithOneFile('bin/busybox', readFileSync(BUSYBOX), 0o755) : tarWithOneFile('random.bin', randomBytes(64));
  const layer = blob(types.layer, gzipSync(tar));
  const created = new Date().toISOString();
  const config = blob(types.config, Buffer.from(JSON.stringify({
    architecture: platform.architecture,
    os: platform.os,
    created,
    config: runnable ? { Entrypoint: ['/bin/busybox', 'sleep', '3600'] } : {},
    rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    history: [{ created, created_by: 'k8s-image-availability-exporter test harness' }],
  })));
  const manifest = blob(types.manifest, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: descriptor(config),
    layers: [descriptor(layer)],
  })));
  return { blobs: [config, layer], manifest };
}

export function buildIndex(format: 'docker-list' | 'oci-index', children: Array<{ manifest: Blob; platform: Platform }>): Blob {
  const mediaType = format === 'docker-list' ? MediaType.dockerManifestList : MediaType.ociIndex;
  return blob(mediaType, Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c) => ({ ...descriptor(c.manifest), platform: { architecture: c.platform.architecture, os: c.platform.os } })),
  })));
}

/** A ustar archive with one regular file: 512-byte header, data padded to 512, two zero blocks. */
function tarWithOneFile(name: string, data: Buffer, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => void header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number): void => field(offset, length, value.toString(8).padStart(length - 1, '0'));
  field(0, 100, name);
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, data.length);
  octal(136, 12, Math.floor(Date.now() / 1000));
  field(156, 1, '0');
  field(257, 6, 'ustar');
  field(263, 2, '00');
  // The checksum is computed with its own field read as spaces.
  header.fill(' ', 148, 156);
  const sum = header.reduce((acc, byte) => acc + byte, 0);
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}
