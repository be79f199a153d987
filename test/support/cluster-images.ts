// A realistic cluster's images for the status page: thousands of images over a few registries,
// long references and digests, and the reasons the exporter's own reason module gives for a
// missing tag, a missing digest, a registry that is down, refused credentials and a denied pull.
// Results are set directly (the page does not care how a result was obtained). Every status and
// an image not checked yet appear, the long status names among them, and a registry on a loopback
// port whose host name is all digits. Used by the browser tests and the status-page bench case.
import { CheckResults } from '../../src/checks/results.js';
import { ImageFilter } from '../../src/index/image-filter.js';
import { ImageIndex, type CheckUnit } from '../../src/index/image-index.js';
import { KIND_NAMES } from '../../src/kube/workload-kinds.js';
import { explain, manifestReason, networkReason, tokenReason, type Reason } from '../../src/registry/verdicts/reasons.js';
import type { Status } from '../../src/status.js';

export type ClusterImages = { index: ImageIndex; results: CheckResults };

/** A registry that answers every way but "available": a v1-only host, an invalid manifest, an unknown reply, and one image not checked yet. */
const LOOPBACK_REGISTRY = '127.0.0.1:21002';

const REGISTRIES = ['registry.example.com', 'eu-west-1.registry.corp.example.net:5000', 'ghcr.io', 'quay.io', '123456789012.dkr.ecr.eu-central-1.amazonaws.com'];

function digestOf(i: number): string {
  return `sha256:${(i.toString(16).padStart(8, '0') + 'a3f9c2e17b04d5e6f8091a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90').slice(0, 64)}`;
}

export function clusterImages(count: number, extraWorkloads: Array<{ namespace: string; name: string; image: string }> = []): ClusterImages {
  const units: CheckUnit[] = [];
  const index = new ImageIndex(new ImageFilter([]), { unitAdded: (unit) => units.push(unit), unitRemoved: () => {} });
  const results = new CheckResults();
  for (let i = 0; i < count; i++) {
    const registry = REGISTRIES[i % REGISTRIES.length];
    const team = `team-${String(i % 40).padStart(2, '0')}`;
    const path = i % 7 === 0 ? `${team}/platform/observability/collectors/opentelemetry-collector-contrib-${i}` : `${team}/service-${i}`;
    const image = i % 11 === 0 ? `${registry}/${path}@${digestOf(i)}` : `${registry}/${path}:v1.${i % 13}.${i % 5}-build.${1000 + i}`;
    const secrets = i % 5 === 1 ? [{ name: 'regcred' }, { name: `${team}-pull-robot` }] : [];
    index.upsertWorkload({ kind: KIND_NAMES[i % 4], namespace: team, name: `app-${i}-deployment-with-a-long-name`, podSpec: { containers: [{ name: 'app', image }], imagePullSecrets: secrets } });
    if (i % 3 === 0) index.upsertWorkload({ kind: 'cronjob', namespace: `${team}-jobs`, name: `nightly-${i}`, podSpec: { containers: [{ name: 'job', image }], imagePullSecrets: secrets } });
  }
  for (const name of ['legacy-v1', 'bad-manifest', 'odd-reply', 'new-image']) {
    index.upsertWorkload({ kind: 'deployment', namespace: 'loopback', name, podSpec: { containers: [{ name: 'app', image: `${LOOPBACK_REGISTRY}/loopback/${name}:v1` }] } });
  }
  index.upsertWorkload({ kind: 'deployment', namespace: 'loopback', name: 'typo', podSpec: { containers: [{ name: 'app', image: `${LOOPBACK_REGISTRY}/Loopback/Typo:v1` }] } });
  for (const extra of extraWorkloads) index.upsertWorkload({ kind: 'deployment', namespace: extra.namespace, name: extra.name, podSpec: { containers: [{ name: 'app', image: extra.image }] } });
  const now = Date.now();
  units.forEach((unit, i) => {
    const host = unit.reference.registry;
    const ref = unit.reference.digest ?? unit.reference.tag ?? 'latest';
    let status: Status = 'available';
    let reason: Partial<Reason> & { message: string } = { message: '' };
    if (host === LOOPBACK_REGISTRY) {
      const loopback: Partial<Record<string, [Status, Reason]>> = {
        'loopback/legacy-v1': ['registry_v1_api_not_supported', explain('no-v2-api', `${host} has no /v2/ API (404)`)],
        'loopback/bad-manifest': ['bad_image_format', explain('unexpected-reply', `${host} answered 400 for loopback/bad-manifest:v1 (MANIFEST_INVALID: manifest invalid)`)],
        'loopback/odd-reply': ['unknown_error', explain('unexpected-reply', `${host} answered 418 for loopback/odd-reply:v1`)],
      };
      const answer = loopback[unit.reference.repository];
      if (!answer) return;
      [status, reason] = answer;
    } else if (host.startsWith('quay.io')) {
      status = 'registry_unavailable';
      reason = networkReason({ code: 'ECONNREFUSED', host: `${host}:443`, server: 'registry', timeoutMs: 10_000 });
    } else if (i % 9 === 0) {
      status = 'absent';
      reason = manifestReason({ httpStatus: 404, host, repository: unit.reference.repository, reference: ref, repositoryExists: true });
    } else if (i % 17 === 0) {
      status = 'authentication_failure';
      reason = tokenReason({ httpStatus: 401, origin: `https://auth.${host.split(':')[0]}`, scope: `repository:${unit.reference.repository}:pull`, credentialsFrom: 'secret team-01/regcred' });
    } else if (i % 23 === 0) {
      status = 'authorization_failure';
      reason = manifestReason({ httpStatus: 403, host, repository: unit.reference.repository, reference: ref, credentialsFrom: 'secret team-02/team-02-pull-robot', challengeError: 'insufficient_scope' });
    }
    const checkedAt = now - (i % 300) * 1000;
    if (status !== 'available') results.set(unit.key, { status: 'available', message: '', registry: host, checkedAt: checkedAt - 3_600_000 - i * 1000, durationMs: 40, consecutiveFailures: 0 });
    results.set(unit.key, { status, message: reason.message, failure: reason.failure, registry: host, checkedAt, durationMs: 20 + (i % 50) * 7, consecutiveFailures: status === 'available' ? 0 : 1, digest: status === 'available' ? digestOf(i * 7) : undefined });
  });
  return { index, results };
}
