// Pushes images to a registry with plain HTTP calls (the registry API v2 upload flow), so
// tests need neither docker nor skopeo.
import { request, type Dispatcher } from 'undici';
import { buildImage, buildIndex, digestOf, type Blob, type Platform } from './image-content.js';

/** Requests with this User-Agent are the harness's own; `TestRegistry.requests()` leaves them out. */
export const HARNESS_USER_AGENT = 'k8s-iae-test-harness';

export interface PushTarget {
  readonly url: string;
  readonly dispatcher: Dispatcher;
  /** The Authorization header value to use for `repo`, if the registry wants one. */
  authorization(repo: string): Promise<string | undefined>;
}

export interface PushedIndex {
  digest: string;
  children: Array<{ digest: string; platform: Platform }>;
}

export async function pushImage(
  target: PushTarget, repo: string, tag: string,
  opts: { format?: 'docker' | 'oci'; platform?: Platform; runnable?: boolean } = {},
): Promise<string> {
  const image = buildImage(opts.format ?? 'docker', opts.platform ?? { os: 'linux', architecture: 'amd64' }, opts.runnable);
  const client = await clientFor(target, repo);
  for (const b of image.blobs) await client.uploadBlob(b);
  return client.putManifest(tag, image.manifest);
}

export async function pushIndex(
  target: PushTarget, repo: string, tag: string,
  opts: { format: 'docker-list' | 'oci-index'; platforms: Platform[] },
): Promise<PushedIndex> {
  const client = await clientFor(target, repo);
  const children: Array<{ manifest: Blob; platform: Platform }> = [];
  for (const platform of opts.platforms) {
    const image = buildImage(opts.format === 'docker-list' ? 'docker' : 'oci', platform);
    for (const b of image.blobs) await client.uploadBlob(b);
    // Children are pushed by digest: an index may only reference manifests the registry has.
    await client.putManifest(image.manifest.digest, image.manifest);
    children.push({ manifest: image.manifest, platform });
  }
  const digest = await client.putManifest(tag, buildIndex(opts.format, children));
  return { digest, children: children.map((c) => ({ digest: c.manifest.digest, platform: c.platform })) };
}

/** Pushes `blobs`, then `manifest` under `reference` (a tag or its digest), whatever its media type. */
export async function pushManifest(target: PushTarget, repo: string, reference: string, manifest: Blob, blobs: Blob[] = []): Promise<string> {
  const client = await clientFor(target, repo);
  for (const b of blobs) await client.uploadBlob(b);
  return client.putManifest(reference, manifest);
}

/** Deletes a blob (distribution with storage.delete enabled answers 202). */
export async function deleteBlob(target: PushTarget, repo: string, digest: string): Promise<void> {
  const client = await clientFor(target, repo);
  await client.call('DELETE', `/v2/${repo}/blobs/${digest}`, 202);
}

/** Deletes a manifest by digest; distribution also drops the tags that pointed to it. */
export async function deleteManifest(target: PushTarget, repo: string, digest: string): Promise<void> {
  const client = await clientFor(target, repo);
  await client.call('DELETE', `/v2/${repo}/manifests/${digest}`, 202);
}

async function clientFor(target: PushTarget, repo: string) {
  const authorization = await target.authorization(repo);

  const call = async (method: Dispatcher.HttpMethod, pathOrUrl: string, expected: number, body?: Buffer, contentType?: string) => {
    const url = new URL(pathOrUrl, target.url);
    const res = await request(url, {
      method,
      dispatcher: target.dispatcher,
      headers: {
        'user-agent': HARNESS_USER_AGENT,
        ...(authorization && { authorization }),
        ...(contentType && { 'content-type': contentType }),
      },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== expected) {
      throw new Error(`${method} ${url.pathname}: expected ${expected}, got ${res.statusCode} ${text}`);
    }
    return res.headers;
  };

  return {
    call,
    async uploadBlob(b: Blob): Promise<void> {
      const started = await call('POST', `/v2/${repo}/blobs/uploads/`, 202);
      const location = new URL(String(started.location), target.url);
      location.searchParams.set('digest', b.digest);
      await call('PUT', location.toString(), 201, b.bytes, 'application/octet-stream');
    },
    async putManifest(reference: string, manifest: Blob): Promise<string> {
      const headers = await call('PUT', `/v2/${repo}/manifests/${reference}`, 201, manifest.bytes, manifest.mediaType);
      const digest = String(headers['docker-content-digest']);
      if (digest !== digestOf(manifest.bytes)) throw new Error(`registry computed ${digest}, expected ${manifest.digest}`);
      return digest;
    },
  };
}
