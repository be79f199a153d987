// A multi-platform image (OCI index or Docker manifest list) pulls on a node only if it holds an
// image for the node's platform, and only if that image's manifest exists: containerd picks the
// index entry whose platform matches the node (images.Manifest with platforms.Default()) and
// fails the pull with "no match for platform in manifest" when none does, or "not found" when the
// entry's manifest is gone. This reads the index once per digest (an index is immutable) and gives
// the verdict for the platforms the cluster's nodes run.
import { mediaTypeMismatch } from './media-type-match.js';
import type { Reply } from '../transport/transport.js';

export type IndexEntry = { digest: string; platform?: string };

/** Why an index does not pull on the cluster's nodes; undefined when it does (or cannot be told). */
export type IndexVerdict =
  | { kind: 'no-platform'; wanted: string[]; offered: string[] }
  | { kind: 'entry-missing'; platform: string; digest: string }
  | { kind: 'mislabelled'; error: string }
  | { kind: 'get-refused'; what: 'manifest'; reply: Reply }
  | undefined;

/** `mislabelled`: containerd's error for a body that is not an index (media-type-match.ts); `refused`: the GET's error status. */
type ReadIndex = { entries: IndexEntry[]; platforms: string[]; mislabelled?: string; refused?: Reply };

const MAX_REMEMBERED = 10_000;
const MAX_ENTRIES = 1_000;
/** A child manifest deleted from under its index is rare: asked again after an hour, not at every check. */
const CHILD_BELIEVED_MS = 60 * 60_000;

/** containerd's platform normalisation (platforms.Normalize) for the architectures it aliases. */
function normalise(os: string, architecture: string, variant = ''): { os: string; architecture: string; variant: string } {
  const arch = architecture.toLowerCase();
  const aliases: Record<string, [string, string]> = {
    i386: ['386', ''],
    x86_64: ['amd64', ''],
    'x86-64': ['amd64', ''],
    aarch64: ['arm64', variant === 'v8' ? '' : variant],
    armhf: ['arm', 'v7'],
    armel: ['arm', 'v6'],
  };
  const [normalArch, normalVariant] = aliases[arch] ?? [arch, variant];
  let v = normalVariant;
  if (normalArch === 'arm64' && v === 'v8') v = '';
  if (normalArch === 'amd64' && v === 'v1') v = '';
  if (normalArch === 'arm' && v === '') v = 'v7';
  return { os: os.toLowerCase(), architecture: normalArch, variant: v };
}

/** Whether an index entry's platform runs on a node of `node` (os/arch[/variant]); arm nodes also run older arm variants. */
export function platformMatches(node: string, entry: string): boolean {
  const [nodeOs, nodeArch, nodeVariant] = node.split('/');
  const [entryOs, entryArch, entryVariant] = entry.split('/');
  const a = normalise(nodeOs, nodeArch ?? '', nodeVariant);
  const b = normalise(entryOs, entryArch ?? '', entryVariant);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  if (a.architecture === 'arm') return Number(b.variant.slice(1)) <= Number(a.variant.slice(1));
  return a.variant === b.variant;
}

/** The os/architecture of this process, as a node label would name it: the node the exporter runs on. */
export function ownPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return `${process.platform}/${arch[process.arch] ?? process.arch}`;
}

function parseIndex(body: string): ReadIndex | undefined {
  const index = JSON.parse(body) as { manifests?: Array<{ digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }> };
  if (!Array.isArray(index.manifests)) return undefined;
  const entries: IndexEntry[] = [];
  for (const entry of index.manifests.slice(0, MAX_ENTRIES)) {
    if (typeof entry?.digest !== 'string') continue;
    const { os, architecture, variant } = entry.platform ?? {};
    const platform = typeof os === 'string' && typeof architecture === 'string' ? [os, architecture, ...(typeof variant === 'string' && variant ? [variant] : [])].join('/') : undefined;
    entries.push({ digest: entry.digest.slice(0, 200), platform: platform?.slice(0, 100) });
  }
  const platforms = [...new Set(entries.map((e) => e.platform).filter((p): p is string => !!p && !p.startsWith('unknown/')).map((p) => p.split('/').slice(0, 2).join('/')))].sort();
  return { entries, platforms };
}

/** How to ask the image's registry, with the check's scheme and authorization. */
export type IndexRequests = { getIndex(path: string): Promise<Reply>; headManifest(path: string): Promise<Reply> };

export class IndexPlatforms {
  /** Index digest → its entries; bounded, oldest dropped first. */
  private readonly byDigest = new Map<string, ReadIndex>();
  /** Child manifests seen to exist (host, repository, index and child digest) → until when that is believed. */
  private readonly childrenSeen = new Map<string, number>();

  /**
   * The index's platforms and whether it pulls on nodes of `nodePlatforms`. A GET of the index
   * refused with an HTTP status is that status, as for the pull; a body that is not an index of
   * its label is containerd's error; a body that cannot be read otherwise leaves the check as it
   * was (available): a verdict needs the registry's own words.
   */
  async judge(
    requests: IndexRequests,
    where: { host: string; repository: string; reference: string; digest?: string; mediaType: string },
    nodePlatforms: string[],
  ): Promise<{ platforms?: string[]; verdict: IndexVerdict }> {
    const { host, repository, reference, digest } = where;
    const index = await this.read(requests, repository, reference, digest, where.mediaType);
    if (!index) return { verdict: undefined };
    if (index.mislabelled) return { verdict: { kind: 'mislabelled', error: index.mislabelled } };
    if (index.refused) return { verdict: { kind: 'get-refused', what: 'manifest', reply: index.refused } };
    if (nodePlatforms.length === 0 || index.entries.some((entry) => entry.platform === undefined)) return { platforms: index.platforms, verdict: undefined };
    for (const node of nodePlatforms) {
      const chosen = index.entries.find((entry) => platformMatches(node, entry.platform!));
      if (!chosen) continue;
      const key = `${host}/${repository}@${digest}>${chosen.digest}`;
      if ((this.childrenSeen.get(key) ?? 0) < Date.now()) {
        const reply = await requests.headManifest(`/v2/${repository}/manifests/${chosen.digest}`);
        if (reply.status === 404) return { platforms: index.platforms, verdict: { kind: 'entry-missing', platform: chosen.platform!, digest: chosen.digest } };
        if (reply.status >= 200 && reply.status < 300 && digest) this.remember(key);
      }
      // One node platform that pulls is enough for no alarm; the others are platform_missing's.
      return { platforms: index.platforms, verdict: undefined };
    }
    return { platforms: index.platforms, verdict: { kind: 'no-platform', wanted: nodePlatforms, offered: index.platforms } };
  }

  private async read(requests: IndexRequests, repository: string, reference: string, digest: string | undefined, mediaType: string): Promise<ReadIndex | undefined> {
    const cached = digest ? this.byDigest.get(digest) : undefined;
    if (cached) return cached;
    // The pull GETs the index too: a GET that breaks off fails it as it fails this check, and one
    // refused with an HTTP status is that status (not remembered: asked again at the next check).
    const reply = await requests.getIndex(`/v2/${repository}/manifests/${digest ?? reference}`);
    if (reply.status < 200 || reply.status >= 300) return { entries: [], platforms: [], refused: reply };
    try {
      if (reply.status !== 200 || !reply.body) return undefined;
      const mislabelled = mediaTypeMismatch(reply.body, mediaType);
      const index = mislabelled ? { entries: [], platforms: [], mislabelled } : parseIndex(reply.body);
      if (index && digest) {
        if (this.byDigest.size >= MAX_REMEMBERED) this.byDigest.delete(this.byDigest.keys().next().value!);
        this.byDigest.set(digest, index);
      }
      return index;
    } catch {
      return undefined;
    }
  }

  private remember(key: string): void {
    this.childrenSeen.delete(key);
    if (this.childrenSeen.size >= MAX_REMEMBERED) this.childrenSeen.delete(this.childrenSeen.keys().next().value!);
    this.childrenSeen.set(key, Date.now() + CHILD_BELIEVED_MS);
  }
}
