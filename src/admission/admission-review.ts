// AdmissionReview v1 in and out. The API server is the only expected caller, but whoever reaches
// the port may send anything: the body is parsed strictly and every field is checked for type and
// size before use; anything else is a ReviewError the server answers with 400.

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
const MAX_UID_LENGTH = 128;
const MAX_NAME_LENGTH = 253;

export type AdmissionRequest = {
  uid: string;
  /** The object's group (empty for the core group) and Kind, as the API server names them. */
  group: string;
  kind: string;
  /** The resource the object was sent as (after the webhook's matchPolicy conversion): how extra workload kinds are recognised. */
  resource: { group: string; version: string; resource: string };
  operation: string;
  namespace: string;
  /** Empty on CREATE with generateName. */
  name: string;
  dryRun: boolean;
  object: unknown;
  /** The object before an UPDATE. */
  oldObject: unknown;
};

export type AdmissionAnswer = { allowed: true; warnings: string[] } | { allowed: false; warnings: string[]; message: string };

export class ReviewError extends Error {}

export function parseReview(body: string): AdmissionRequest {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch (error) {
    throw new ReviewError(`the body is not JSON (${(error as Error).message.slice(0, 100)}): send an AdmissionReview ${ADMISSION_API_VERSION}`);
  }
  const root = asObject(review);
  if (root?.apiVersion !== ADMISSION_API_VERSION || root.kind !== 'AdmissionReview') {
    throw new ReviewError(`not an AdmissionReview ${ADMISSION_API_VERSION}: register the webhook with admissionReviewVersions [v1]`);
  }
  const request = asObject(root.request);
  if (!request) throw new ReviewError('the AdmissionReview has no request');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '' || uid.length > MAX_UID_LENGTH) throw new ReviewError('request.uid is missing or not a short string');
  const kind = asObject(request.kind);
  const resource = asObject(request.resource);
  return {
    uid,
    group: boundedString(kind?.group, MAX_NAME_LENGTH),
    kind: boundedString(kind?.kind, MAX_NAME_LENGTH),
    resource: { group: boundedString(resource?.group, MAX_NAME_LENGTH), version: boundedString(resource?.version, MAX_NAME_LENGTH), resource: boundedString(resource?.resource, MAX_NAME_LENGTH) },
    operation: boundedString(request.operation, 16),
    namespace: boundedString(request.namespace, MAX_NAME_LENGTH),
    name: boundedString(request.name, MAX_NAME_LENGTH),
    dryRun: request.dryRun === true,
    object: request.object,
    oldObject: request.oldObject,
  };
}

/** The AdmissionReview that answers `uid`. */
export function reviewResponse(uid: string, answer: AdmissionAnswer): string {
  const response: Record<string, unknown> = { uid, allowed: answer.allowed };
  if (answer.warnings.length > 0) response.warnings = answer.warnings;
  if (!answer.allowed) response.status = { code: 403, reason: 'Forbidden', message: answer.message };
  return JSON.stringify({ apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response });
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function boundedString(value: unknown, max: number): string {
  return typeof value === 'string' && value.length <= max ? value : '';
}
