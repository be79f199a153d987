// What to tell the person applying a workload: the images it would run, as check units by the
// exporter's own rules (image-index.ts: filters, pull secrets of the template else the
// ServiceAccount), each answered from the check results when known, else by a live check that
// must finish within a tight budget (and takes a slot of its registry like any check: the
// scheduler's checkNow). One warning per problem; refusal (opt-in) only for what no
// retry can fix, absent and bad_image_format, and never for a check that did not finish.
import type { CheckResults } from '../checks/results.js';
import { imageKeyOf, type CheckUnit, type ImageIndex, type Usage } from '../index/image-index.js';
import { extraWorkloadKind, type ExtraWorkload } from '../kube/extra-workloads.js';
import { JOB_KIND, POD_KIND, WORKLOAD_KINDS, type KindName, type WorkloadKind } from '../kube/workload-kinds.js';
import type { KubeObject } from '../kube/kube-object.js';
import { leftOut } from '../kube/workload-selection.js';
import type { CheckResult } from '../registry/client.js';
import type { FailureClass } from '../registry/verdicts/reasons.js';
import type { Status } from '../status.js';
import type { AdmissionAnswer, AdmissionRequest } from './admission-review.js';
import type { GivenWarnings } from './given-warnings.js';

/** Units answered per object at most; a pod has a handful of containers, thousands would be an attack. */
export const MAX_UNITS_PER_REVIEW = 64;
/** Warnings per answer: the API server truncates long lists, and ten problems are enough to act. */
const MAX_WARNINGS = 10;
/** The image as quoted in a warning; the API server truncates long warnings anyway. */
const MAX_QUOTED_IMAGE = 200;
/** The check's own reason, kept to what a terminal line can show. */
const MAX_QUOTED_REASON = 300;
const REFUSED: ReadonlySet<Status> = new Set(['absent', 'bad_image_format']);

export type DecisionOptions = {
  deny: boolean;
  /** How long a live check of an image with no result may take before the answer goes without it. */
  liveBudgetMs: number;
  /** Live checks running at once over all reviews; beyond it, unknown images go unanswered. */
  maxLiveChecks: number;
  checkDisabled: ReadonlySet<KindName>;
  checkPods: boolean;
  checkJobs: boolean;
  /** --extra-workload resources, reviewed like the built-in kinds. */
  extraWorkloads: readonly ExtraWorkload[];
  /** --ignored-namespaces: their workloads are not reviewed unless annotated to be checked. */
  ignoredNamespaces?: ReadonlySet<string>;
};

export type Decision = AdmissionAnswer & { outcome: 'ignored' | 'available' | 'warned' | 'denied' };

type Answer = { status: Status; message: string; failure?: FailureClass } | undefined;

export class AdmissionDecider {
  private liveChecks = 0;

  constructor(
    private readonly index: Pick<ImageIndex, 'usagesFor'>,
    private readonly results: Pick<CheckResults, 'get'>,
    /** A live check; undefined when it could not start within waitMs (the registry's slots are taken). */
    private readonly check: (unit: CheckUnit, waitMs: number) => Promise<CheckResult | undefined>,
    private readonly options: DecisionOptions,
    /** Where the warnings given are kept for the status page. */
    private readonly given?: Pick<GivenWarnings, 'record'>,
  ) {}

  async decide(request: AdmissionRequest): Promise<Decision> {
    const kind = this.kindOf(request);
    const object = (request.object ?? {}) as KubeObject;
    const podSpec = kind && typeof object === 'object' ? kind.podSpec(object) : undefined;
    if (!kind || !podSpec || typeof podSpec !== 'object' || this.notChecked(kind, object, request.namespace) || !inReviewNamespace(request, object)) return { allowed: true, warnings: [], outcome: 'ignored' };
    const name = request.name || object.metadata?.name || '(generated name)';
    const usages = this.index.usagesFor({ kind: kind.kind, namespace: request.namespace, name, podSpec });
    const answers = await this.answer(usages);
    // An UPDATE is refused only for images it brings in: an edit that leaves a broken image as it
    // was (a scale, a label, an urgent env change) is not blocked by it.
    const before = new Set(imagesOf(kind, request.oldObject));
    const warnings: string[] = [];
    const refusals: string[] = [];
    const warnedImages = new Map<string, string>();
    for (const usage of usages) {
      const answer = usage.badReference !== undefined ? { status: 'bad_image_format' as const, message: usage.badReference } : answers.get(usage.unit!.key);
      if (!answer || answer.status === 'available') continue;
      const warning = warningFor(usage.image, answer, kind.objectKind);
      if (warnedImages.size < MAX_UNITS_PER_REVIEW) warnedImages.set(imageKeyOf(usage), warning);
      if (warnings.includes(warning)) continue;
      warnings.push(warning);
      // A name refused to the credentials may be private to other accounts: a credential problem, which never refuses.
      if (REFUSED.has(answer.status) && answer.failure !== 'absent-or-private' && !before.has(usage.image)) refusals.push(warning);
    }
    const shown = warnings.length > MAX_WARNINGS ? [...warnings.slice(0, MAX_WARNINGS - 1), `and ${warnings.length - MAX_WARNINGS + 1} more image problems: see the exporter's status page`] : warnings;
    const denied = this.options.deny && refusals.length > 0;
    const at = Date.now();
    const objectName = `${kind.objectKind} ${request.namespace}/${name}`;
    for (const [imageKey, warning] of warnedImages) this.given?.record(imageKey, { at, operation: request.operation, object: objectName, dryRun: request.dryRun, denied, warning });
    if (denied) {
      return { allowed: false, warnings: shown, message: `refused by the image availability webhook: ${refusals.slice(0, MAX_WARNINGS).join('; ')}`, outcome: 'denied' };
    }
    return { allowed: true, warnings: shown, outcome: shown.length > 0 ? 'warned' : 'available' };
  }

  /** The watched kind the object is of: a built-in one by group and Kind, an extra workload by the resource it was sent as (its template path is that version's). */
  private kindOf(request: AdmissionRequest): WorkloadKind | undefined {
    const kinds = [...WORKLOAD_KINDS, ...(this.options.checkJobs ? [JOB_KIND] : []), ...(this.options.checkPods ? [POD_KIND] : [])];
    const builtIn = kinds.find((kind) => kind.objectKind === request.kind && groupOf(kind.apiVersion) === request.group);
    if (builtIn) return builtIn;
    const { group, version, resource } = request.resource;
    const extra = this.options.extraWorkloads.find((workload) => workload.group === group && workload.version === version && workload.resource === resource);
    return extra && request.kind ? extraWorkloadKind(extra, request.kind) : undefined;
  }

  /** The exporter's rules for what it does not check: left out by namespace or annotation, finished, disabled, or created by a controller (checked as its owner). */
  private notChecked(kind: WorkloadKind, object: KubeObject, namespace: string): boolean {
    if (leftOut(namespace, object.metadata?.annotations, { ignored: this.options.ignoredNamespaces ?? new Set() })) return true;
    if (object.metadata?.ownerReferences?.some?.((owner) => owner?.controller === true)) return true;
    if (kind.finished(object)) return true;
    return kind.disabled(object) && !this.options.checkDisabled.has(kind.kind);
  }

  private async answer(usages: Usage[]): Promise<Map<string, Answer>> {
    const units = new Map<string, CheckUnit>();
    for (const usage of usages) if (usage.unit && units.size < MAX_UNITS_PER_REVIEW) units.set(usage.unit.key, usage.unit);
    const answers = new Map<string, Answer>();
    await Promise.all(
      [...units.values()].map(async (unit) => {
        const known = this.results.get(unit.key);
        answers.set(unit.key, known ? { status: known.status, message: known.message, failure: known.failure } : await this.liveCheck(unit));
      }),
    );
    return answers;
  }

  /** Undefined when the check did not finish within the budget or could not start: no claim is made then. */
  private async liveCheck(unit: CheckUnit): Promise<Answer> {
    if (this.liveChecks >= this.options.maxLiveChecks) return undefined;
    this.liveChecks++;
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.options.liveBudgetMs);
    });
    const checked = this.check(unit, this.options.liveBudgetMs)
      .then((result): Answer => (!result || result.inconclusive ? undefined : { status: result.status, message: result.message, failure: result.failure }))
      .catch((): Answer => undefined)
      .finally(() => this.liveChecks--);
    try {
      return await Promise.race([checked, budget]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One problem in words a person applying the object acts on: what is wrong, and what its pods will do. */
export function warningFor(image: string, answer: NonNullable<Answer>, objectKind: string): string {
  const quoted = image.length > MAX_QUOTED_IMAGE ? `${image.slice(0, MAX_QUOTED_IMAGE)}...` : image;
  const pods = `pods of this ${objectKind}`;
  const why = answer.message.length > MAX_QUOTED_REASON ? `${answer.message.slice(0, MAX_QUOTED_REASON)}...` : answer.message;
  switch (answer.status) {
    case 'absent':
      // A 401 to credentials that pull other repositories there (proven-access.ts): no 404 to quote.
      if (answer.failure === 'absent-or-private') return `image ${quoted} does not exist in its registry or is private to other accounts (${why}); ${pods} will fail with ImagePullBackOff: fix the reference or the pull secret`;
      return `image ${quoted} does not exist in its registry (404); ${pods} will fail with ImagePullBackOff: push it or fix the reference`;
    case 'bad_image_format':
      return `image "${quoted}" is not a valid image reference (${why}); ${pods} will fail with InvalidImageName`;
    case 'authentication_failure':
    case 'authorization_failure':
      return `image ${quoted}: the registry refused the pull credentials ${pods} would use; they will fail with ImagePullBackOff (${why})`;
    default:
      return `image ${quoted} could not be confirmed (${answer.status}): ${why}; ${pods} may fail to pull while this lasts`;
  }
}

/**
 * Pull secrets and the ServiceAccount are read in the review's namespace only. The API server sets
 * the object's namespace to it; a review whose object names another namespace is not its work,
 * and is not checked with either namespace's secrets.
 */
function inReviewNamespace(request: AdmissionRequest, object: KubeObject): boolean {
  const own = object.metadata?.namespace;
  return own === undefined || own === '' || own === request.namespace;
}

function imagesOf(kind: WorkloadKind, object: unknown): string[] {
  if (!object || typeof object !== 'object') return [];
  const podSpec = kind.podSpec(object as KubeObject);
  if (!podSpec || typeof podSpec !== 'object') return [];
  const containers = [...(Array.isArray(podSpec.initContainers) ? podSpec.initContainers : []), ...(Array.isArray(podSpec.containers) ? podSpec.containers : [])];
  return containers.map((container) => container?.image).filter((image): image is string => typeof image === 'string');
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
