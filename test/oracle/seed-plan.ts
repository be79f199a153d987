// What a generated registry answers for one seed: auth scheme and the pod's secret, then for the
// manifest's HEAD, the manifest's GET and the config blob's GET each an answer (the real content,
// an error status, a redirect, changed headers, a broken body), and a delay. A seeded PRNG
// (mulberry32) makes each seed's plan the same on every run. Everything is bounded so a seed
// finishes in seconds: no answer waits longer than MAX_DELAY_MS, no body is endless. Layer blobs
// are always served: a lost layer is a known difference (`layer-blob-missing`).
import { seededRandom } from '../support/seeded-random.js';

export const MAX_DELAY_MS = 1500;


export type Answer =
  | { kind: 'content' }
  | { kind: 'status'; status: number; body: 'errors' | 'empty' | 'html'; code: string; versionHeader: boolean; retryAfter?: string }
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308 }
  | { kind: 'no-digest-header' }
  | { kind: 'wrong-digest-header' }
  | { kind: 'content-type'; value: string }
  | { kind: 'truncated-body' }
  | { kind: 'not-json-body' };

export type SeedPlan = {
  seed: number;
  format: 'docker' | 'oci';
  /** What the pod names: the pushed tag, a tag never pushed, or the manifest's digest. */
  reference: 'tag' | 'missing-tag' | 'digest';
  auth: 'none' | 'basic' | 'bearer';
  /** The challenge's scheme as written (registries differ in case). */
  scheme: string;
  /** Bearer: whether an anonymous token may pull. */
  anonymousPull: boolean;
  /** Bearer: the token endpoint's answer to containerd's POST, and the field its token is in. */
  tokenPost: 'oauth2' | 405 | 404;
  tokenField: 'token' | 'access_token' | 'both';
  secret: 'none' | 'right' | 'wrong';
  head: Answer;
  get: Answer;
  config: Answer;
  delayMs: number;
};

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

const ERROR_STATUSES = [
  { status: 400, code: 'MANIFEST_INVALID' },
  { status: 401, code: 'UNAUTHORIZED' },
  { status: 403, code: 'DENIED' },
  { status: 404, code: 'MANIFEST_UNKNOWN' },
  { status: 404, code: 'NAME_UNKNOWN' },
  { status: 405, code: 'UNSUPPORTED' },
  { status: 408, code: 'UNKNOWN' },
  { status: 429, code: 'TOOMANYREQUESTS' },
  { status: 500, code: 'UNKNOWN' },
  { status: 502, code: 'UNKNOWN' },
  { status: 503, code: 'UNAVAILABLE' },
] as const;
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream', 'application/vnd.oci.image.index.v1+json', ''];

/** An answer; `faultShare` is how often it is anything but the real content. */
function answer(random: Random, faultShare: number, forManifest: boolean): Answer {
  if (random() >= faultShare) return { kind: 'content' };
  const kinds = forManifest
    ? (['status', 'status', 'status', 'redirect', 'no-digest-header', 'wrong-digest-header', 'content-type', 'truncated-body', 'not-json-body'] as const)
    : (['status', 'status', 'redirect', 'truncated-body', 'not-json-body'] as const);
  const kind = pick(random, kinds);
  switch (kind) {
    case 'status': {
      const { status, code } = pick(random, ERROR_STATUSES);
      const retryAfter = status === 429 || status === 503 ? pick(random, [undefined, '1', '30', 'Wed, 21 Oct 2015 07:28:00 GMT']) : undefined;
      return { kind, status, code: forManifest ? code : code.replace('MANIFEST', 'BLOB'), body: pick(random, ['errors', 'errors', 'empty', 'html'] as const), versionHeader: random() < 0.7, ...(retryAfter && { retryAfter }) };
    }
    case 'redirect':
      return { kind, status: pick(random, [301, 302, 307, 308] as const) };
    case 'content-type':
      return { kind, value: pick(random, CONTENT_TYPES) };
    default:
      return { kind };
  }
}

export function planFor(seed: number): SeedPlan {
  const random = seededRandom(seed);
  const auth = pick(random, ['none', 'none', 'basic', 'bearer', 'bearer'] as const);
  return {
    seed,
    format: pick(random, ['docker', 'oci'] as const),
    reference: pick(random, ['tag', 'tag', 'tag', 'tag', 'missing-tag', 'digest'] as const),
    auth,
    scheme: auth === 'none' ? '' : pick(random, auth === 'basic' ? ['Basic', 'basic', 'BASIC'] : ['Bearer', 'Bearer', 'bearer']),
    anonymousPull: random() < 0.4,
    tokenPost: pick(random, ['oauth2', 'oauth2', 405, 404] as const),
    tokenField: pick(random, ['token', 'access_token', 'both'] as const),
    secret: auth === 'none' ? pick(random, ['none', 'none', 'right'] as const) : pick(random, ['none', 'right', 'right', 'wrong'] as const),
    head: answer(random, 0.45, true),
    get: answer(random, 0.35, true),
    config: answer(random, 0.2, false),
    delayMs: random() < 0.3 ? Math.floor(random() * MAX_DELAY_MS) : 0,
  };
}

/** The plan in a few words, for the table and a failing row's message. */
export function describePlan(plan: SeedPlan): string {
  const said = (a: Answer) => (a.kind === 'status' ? `${a.status} ${a.body}${a.versionHeader ? '' : ' no-version'}${a.retryAfter ? ` retry-after ${a.retryAfter}` : ''}` : a.kind === 'redirect' ? `redirect ${a.status}` : a.kind === 'content-type' ? `content-type "${a.value}"` : a.kind);
  const auth = plan.auth === 'none' ? 'no auth' : `${plan.scheme}${plan.auth === 'bearer' ? ` (anonymous ${plan.anonymousPull ? 'pulls' : 'denied'}, POST ${plan.tokenPost}, ${plan.tokenField})` : ''}`;
  return `seed ${plan.seed}: ${plan.format} by ${plan.reference}, ${auth}, secret ${plan.secret}; HEAD ${said(plan.head)}, GET ${said(plan.get)}, config ${said(plan.config)}${plan.delayMs ? `, delay ${plan.delayMs} ms` : ''}`;
}
