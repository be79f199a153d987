// Which Content-Type of a manifest's answer containerd takes for a manifest. It fetches a digest
// whose media type is one of these from /manifests/ and any other from /blobs/ (remotes/docker
// fetcher.go, dockerFetcher.Fetch), and unpacks only these (images.Manifest: "unexpected media
// type"): a registry that labels a manifest otherwise (application/json, none at all) fails the
// kubelet's pull. text/plain is read as schema 1 (resolver.go getManifestMediaType, for
// registry.access.redhat.com): whether its body is one is media-type-match.ts's.
const TAKEN_AS_MANIFEST = new Set([
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'text/plain',
]);

/** The media type as containerd reads it: parameters cut, as getManifestMediaType does. */
export const mediaTypeOf = (contentType: string | undefined) => (contentType ?? '').split(';')[0].trim();

export const containerdTakesAsManifest = (contentType: string | undefined) => TAKEN_AS_MANIFEST.has(mediaTypeOf(contentType));
