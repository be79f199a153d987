// A single-platform manifest pulls only if containerd can unpack it: it reads the manifest, then
// the config blob, and refuses an image whose config's rootfs.diff_ids do not pair one to one with
// the manifest's layers, all of them and those of a layer media type alike ("mismatched image rootfs
// and manifest layers": image.go compares with every layer, the unpacker with those of
// images.IsLayerType's types) — which is what OCI artifacts, cosign
// signatures and Helm charts are (each seen so on the test bed's kubelet, test/oracle); and a
// config blob the registry lost fails the pull with "not found". This reads the manifest and its
// config once per digest (both are immutable; a GET of a manifest counts as a pull on Docker Hub)
// and asks again whether the config blob still exists after an hour. A registry that answers the
// manifest's HEAD but refuses its GET or the config's GET with an HTTP status (Docker Hub over its
// pull rate limit: a HEAD is not a pull, the GET is), or breaks its body off, fails the kubelet's
// pull: the check fails too, and asks again at the next check.
import { mediaTypeMismatch } from './media-type-match.js';
import type { Reply } from '../transport/transport.js';

export type ContentsVerdict =
  | { kind: 'not-an-image'; layers: number; imageLayers: number; diffIds: number; configType: string }
  | { kind: 'config-missing'; digest: string }
  | { kind: 'get-refused'; what: 'manifest' | 'config'; path: string; reply: Reply }
  | { kind: 'mislabelled'; error: string }
  | undefined;

/** How to ask the image's registry, with the check's scheme and authorization. */
export type ContentsRequests = { getManifest(path: string): Promise<Reply>; getBlob(path: string): Promise<Reply> };

/** What a manifest is; `config` undefined: it could not be read, and is not asked again until `retryAt`. */
type Read = { config?: string; verdict: ContentsVerdict; retryAt?: number };

/** The GET a pull makes answered with an HTTP error status: the pull fails with it (a 404 of the config is config-missing). */
const refuses = (reply: Reply | undefined) => reply !== undefined && (reply.status < 200 || reply.status >= 300);

const MAX_REMEMBERED = 10_000;
const CONFIG_BELIEVED_MS = 60 * 60_000;
/** A manifest whose body is not one (no config digest, not JSON) is not asked again for this long. */
const UNREADABLE_MS = 60 * 60_000;

/** containerd's images.IsLayerType: OCI layers of any compression, Docker rootfs diffs (foreign ones included). */
const isLayerType = (mediaType: unknown) =>
  typeof mediaType === 'string' && (mediaType.startsWith('application/vnd.oci.image.layer.') || mediaType.startsWith('application/vnd.docker.image.rootfs.'));

function parseManifest(body: string): { config: string; configType: string; layers: number; imageLayers: number } | undefined {
  const manifest = JSON.parse(body) as { schemaVersion?: unknown; config?: { digest?: unknown; mediaType?: unknown }; layers?: unknown };
  if (manifest.schemaVersion !== 2 || typeof manifest.config?.digest !== 'string' || !Array.isArray(manifest.layers)) return undefined;
  const imageLayers = (manifest.layers as Array<{ mediaType?: unknown } | null>).filter((layer) => isLayerType(layer?.mediaType)).length;
  return { config: manifest.config.digest.slice(0, 200), configType: String(manifest.config.mediaType ?? '').slice(0, 200), layers: manifest.layers.length, imageLayers };
}

function diffIdsOf(body: string): number {
  const config = JSON.parse(body) as { rootfs?: { diff_ids?: unknown } };
  return Array.isArray(config?.rootfs?.diff_ids) ? config.rootfs.diff_ids.length : 0;
}

export class ImageContents {
  /** Manifest digest → its config and what it is; bounded, oldest dropped first. */
  private readonly byDigest = new Map<string, Read>();
  /** Config blobs seen to exist → until when that is believed. */
  private readonly configsSeen = new Map<string, number>();

  /**
   * Whether the manifest unpacks on a node. Without a digest from the registry the manifest is read
   * at every check, as containerd does (resolver.go GETs a manifest whose HEAD names no digest), and
   * a failed read is the check's failure. Otherwise a GET refused with an HTTP status or broken off
   * is the check's failure too (asked again at the next check), as containerd's pull GETs both; a
   * body that is not a manifest leaves the check available and is asked again after an hour.
   */
  async judge(requests: ContentsRequests, where: { repository: string; reference: string; digest?: string; mediaType: string }): Promise<ContentsVerdict> {
    const { repository, reference, digest } = where;
    let read = digest ? this.byDigest.get(digest) : undefined;
    if (read && read.config === undefined && (read.retryAt ?? 0) < Date.now()) read = undefined;
    if (!read) {
      let fresh: { read: Read; configMissing: boolean } | Extract<ContentsVerdict, { kind: 'get-refused' }> | undefined;
      // A GET that breaks off (no answer, a body cut short) fails containerd's pull as it fails this check.
      fresh = await this.read(requests, repository, digest ?? reference, where.mediaType);
      if (fresh && 'kind' in fresh) return fresh;
      if (!digest) return fresh?.configMissing ? { kind: 'config-missing', digest: fresh.read.config! } : fresh?.read.verdict;
      read = fresh?.read ?? { verdict: undefined, retryAt: Date.now() + UNREADABLE_MS };
      this.remember(this.byDigest, digest, read);
      if (fresh?.configMissing) return { kind: 'config-missing', digest: read.config! };
      return read.verdict;
    }
    if (read.config === undefined) return undefined;
    if (read.verdict) return read.verdict;
    if ((this.configsSeen.get(read.config) ?? 0) >= Date.now()) return undefined;
    const reply = await requests.getBlob(`/v2/${repository}/blobs/${read.config}`).catch(() => undefined);
    if (reply?.status === 404) return { kind: 'config-missing', digest: read.config };
    if (reply && reply.status >= 200 && reply.status < 300) this.remember(this.configsSeen, read.config, Date.now() + CONFIG_BELIEVED_MS);
    return undefined;
  }

  private async read(requests: ContentsRequests, repository: string, reference: string, mediaType: string): Promise<{ read: Read; configMissing: boolean } | Extract<ContentsVerdict, { kind: 'get-refused' }> | undefined> {
    const manifestPath = `/v2/${repository}/manifests/${reference}`;
    const reply = await requests.getManifest(manifestPath);
    if (refuses(reply)) return { kind: 'get-refused', what: 'manifest', path: manifestPath, reply };
    if (reply.status !== 200 || !reply.body) return undefined;
    const mislabelled = mediaTypeMismatch(reply.body, mediaType);
    if (mislabelled) return { read: { config: '', verdict: { kind: 'mislabelled', error: mislabelled } }, configMissing: false };
    let manifest: ReturnType<typeof parseManifest>;
    try {
      manifest = parseManifest(reply.body);
    } catch {
      return undefined;
    }
    if (!manifest) return undefined;
    const configPath = `/v2/${repository}/blobs/${manifest.config}`;
    const config = await requests.getBlob(configPath);
    if (config?.status === 404) return { read: { config: manifest.config, verdict: undefined }, configMissing: true };
    if (refuses(config)) return { kind: 'get-refused', what: 'config', path: configPath, reply: config! };
    if (config?.status !== 200 || config.body === undefined) return undefined;
    let diffIds: number;
    try {
      diffIds = diffIdsOf(config.body);
    } catch {
      diffIds = 0;
    }
    this.remember(this.configsSeen, manifest.config, Date.now() + CONFIG_BELIEVED_MS);
    const unpacks = diffIds === manifest.layers && diffIds === manifest.imageLayers;
    const verdict: ContentsVerdict = unpacks ? undefined : { kind: 'not-an-image', layers: manifest.layers, imageLayers: manifest.imageLayers, diffIds, configType: manifest.configType };
    return { read: { config: manifest.config, verdict }, configMissing: false };
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    map.delete(key);
    if (map.size >= MAX_REMEMBERED) map.delete(map.keys().next().value!);
    map.set(key, value);
  }
}
