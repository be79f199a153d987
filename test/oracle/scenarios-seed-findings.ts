// The generated run's disagreements, each kept as a fixed row once the exporter was fixed: the
// seed's decisive answer, pinned on a generated registry of its own, everything else plain.
import { pushManifest } from '../support/image-push.js';
import { buildImage } from '../support/image-content.js';
import type { Bed } from './bed.js';
import type { Answer, SeedPlan } from './seed-plan.js';
import type { Scenario } from './scenario-types.js';

const CONTENT: Answer = { kind: 'content' };
const PLAIN: SeedPlan = { seed: 0, format: 'docker', reference: 'tag', auth: 'none', scheme: '', anonymousPull: false, tokenPost: 'oauth2', tokenField: 'token', secret: 'none', head: CONTENT, get: CONTENT, config: CONTENT, delayMs: 0 };

function pinned(id: string, what: string, found: string, answers: Partial<Pick<SeedPlan, 'head' | 'get' | 'config'>>, kubelet: Scenario['kubelet'] = 'not pulled', byDigest = false): Scenario {
  return {
    id,
    category: 'failure',
    what: `${what} (found by ${found})`,
    kubelet,
    on: 'distribution-2.8',
    setup: async (bed: Bed) => {
      const repo = `pinned/${id}/app`;
      const image = buildImage('docker', { os: 'linux', architecture: 'amd64' });
      const digest = await pushManifest(bed.content['distribution-2.8'].push, repo, 'v1', image.manifest, image.blobs);
      const host = await bed.seeded.start({ ...PLAIN, ...answers }, image.blobs[0].digest);
      return { image: `${host}/${repo}${byDigest ? `@${digest}` : ':v1'}` };
    },
  };
}

export const seedFindingScenarios: Scenario[] = [
  pinned('manifest-get-cut-short', "the manifest's GET announces its length and breaks off halfway", 'seeds 2 and 5', { get: { kind: 'truncated-body' } }),
  pinned('config-get-cut-short', "the config blob's GET announces its length and breaks off halfway", 'seed 23', { config: { kind: 'truncated-body' } }),
  pinned('manifest-labelled-json', 'the HEAD labels the manifest application/json (containerd fetches it from /blobs/)', 'seed 21', { head: { kind: 'content-type', value: 'application/json' } }),
  pinned('manifest-labelled-index', "the HEAD labels an image's manifest an OCI index (containerd: \"expected index but found manifest\")", 'seeds 46 and 239', { head: { kind: 'content-type', value: 'application/vnd.oci.image.index.v1+json' } }),
  pinned('index-get-refused', "the HEAD labels the manifest an index, its GET is refused 403 without a body", 'seed 17', {
    head: { kind: 'content-type', value: 'application/vnd.oci.image.index.v1+json' },
    get: { kind: 'status', status: 403, body: 'empty', code: 'DENIED', versionHeader: false },
  }),
  pinned('manifest-get-not-json', "the manifest's GET answers a body that is not JSON", 'seeds 345, 354, 474, 498, 500, 527', { get: { kind: 'not-json-body' } }),
  pinned('digest-ref-wrong-digest-header', 'a digest reference whose HEAD names another digest (containerd pulls the reference\'s)', 'seed 530', { head: { kind: 'wrong-digest-header' } }, 'pulled', true),
  pinned('schema2-labelled-text-plain', 'the HEAD labels a schema 2 manifest text/plain, which containerd reads as schema 1 ("no signatures")', 'seed 534', { head: { kind: 'content-type', value: 'text/plain' } }),
  pinned('manifest-unlabelled', 'the HEAD names no Content-Type', 'seed 21', { head: { kind: 'content-type', value: '' } }),
];
