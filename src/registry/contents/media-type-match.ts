// containerd checks that a manifest's or index's body is what its media type says before it walks
// it (images/image.go validateMediaType, from Manifest and Children): an index labelled as a
// manifest, or a manifest labelled as an index, fails the kubelet's pull with these words.
const MANIFESTS = new Set(['application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.oci.image.manifest.v1+json']);
const INDEXES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']);
/** Read as signed schema 1 (text/plain too: resolver.go getManifestMediaType), whose converter strips the JWS signatures and fails without them. */
const SIGNED_SCHEMA1 = new Set(['application/vnd.docker.distribution.manifest.v1+prettyjws', 'text/plain']);

/**
 * containerd's error for a body that is not what `mediaType` says, undefined when it is. A body
 * that is not a JSON object cannot be walked at all: every pull of it fails.
 */
export function mediaTypeMismatch(body: string, mediaType: string): string | undefined {
  let doc: { mediaType?: unknown; config?: unknown; layers?: unknown; manifests?: unknown; signatures?: unknown };
  try {
    doc = JSON.parse(body) as typeof doc;
  } catch {
    return 'the manifest is not JSON';
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return 'the manifest is not a JSON object';
  const nonEmpty = (value: unknown) => Array.isArray(value) && value.length > 0;
  if (SIGNED_SCHEMA1.has(mediaType) && !nonEmpty(doc.signatures)) return 'no signatures';
  const said = typeof doc.mediaType === 'string' ? doc.mediaType : '';
  if (MANIFESTS.has(mediaType) && (nonEmpty(doc.manifests) || INDEXES.has(said))) return `media-type: expected manifest but found index (${mediaType})`;
  // Go's len(doc.Config) counts any config value present, null included.
  if (INDEXES.has(mediaType) && ('config' in doc || nonEmpty(doc.layers) || MANIFESTS.has(said))) return `media-type: expected index but found manifest (${mediaType})`;
  return undefined;
}
