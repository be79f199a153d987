// What the scheduler writes for a unit and when it comes back: the record of a check, the record
// of a unit that waits out its registry's Retry-After pause, and the delay before the next check
// (once per interval, failures sooner with exponential backoff, both spread by jitter).
import type { CheckResult } from '../registry/client.js';
import { explain } from '../registry/verdicts/reasons.js';
import type { Status } from '../status.js';
import type { CheckRecord } from './results.js';

/** Statuses that a retry may change soon: the registry or the network, not the image. */
const RETRIED: ReadonlySet<Status> = new Set(['registry_unavailable', 'unknown_error', 'authentication_failure', 'authorization_failure']);

/**
 * Share of the interval that checks are spread over: a recheck lands in the last tenth before its
 * interval is up (so every image is still checked at least once per interval), the first check
 * of a burst anywhere in the first tenth after it arrived.
 */
export const INTERVAL_SPREAD = 0.1;
/** A retry lands between half and all of its backoff delay, so units that failed together do not retry together. */
export const RETRY_SPREAD = 0.5;

/** Failures in a row after a check with `status`, counting on from the unit's previous record. */
export function failuresAfter(status: Status, previous: CheckRecord | undefined): number {
  return RETRIED.has(status) ? (previous?.consecutiveFailures ?? 0) + 1 : 0;
}

/** Time until a unit's next check after `failures` failures in a row (0: a success, once per interval). */
export function delayAfter(failures: number, intervalMs: number, retryInitialDelayMs: number, random: () => number): number {
  if (failures === 0) return Math.round(intervalMs * (1 - INTERVAL_SPREAD * random()));
  const backoff = Math.min(intervalMs, retryInitialDelayMs * 2 ** Math.min(failures - 1, 20));
  return Math.round(backoff * (1 - RETRY_SPREAD * random()));
}

/**
 * The record of a check whose outcome is the previous one's (same status, reason, digest and
 * platforms, no failure counted): the previous record with the new times. A record lives for an
 * interval, long enough for V8 to move it to the old generation; a new one per recheck left the
 * old one there as garbage until the next full collection, about 0.2 MiB per 500 checks.
 */
export function recheckedRecord(previous: CheckRecord | undefined, result: CheckResult, registry: string, startedAt: number, now: number, failures: number): CheckRecord {
  if (!previous || failures !== 0 || previous.consecutiveFailures !== 0 || !sameOutcome(previous, result, registry)) return checkedRecord(result, registry, startedAt, now, failures);
  previous.checkedAt = now;
  previous.durationMs = now - startedAt;
  return previous;
}

function sameOutcome(previous: CheckRecord, result: CheckResult, registry: string): boolean {
  return (
    previous.status === result.status &&
    previous.message === result.message &&
    previous.registry === registry &&
    previous.failure === result.failure &&
    previous.digest === result.digest &&
    samePlatforms(previous.platforms, result.platforms)
  );
}

function samePlatforms(previous: string[] | undefined, now: string[] | undefined): boolean {
  if (previous === now) return true;
  if (!previous || !now || previous.length !== now.length) return false;
  return previous.every((platform, i) => platform === now[i]);
}

export function checkedRecord(result: CheckResult, registry: string, startedAt: number, now: number, failures: number): CheckRecord {
  return {
    status: result.status,
    message: result.message,
    registry,
    checkedAt: now,
    durationMs: now - startedAt,
    consecutiveFailures: failures,
    platforms: result.platforms,
    failure: result.failure,
    digest: result.digest,
  };
}

/**
 * A unit never checked whose registry pauses for its Retry-After would read as pending until the
 * pause ends (hours, on Docker Hub), while the kubelet's pulls from that registry are refused with
 * 429 meanwhile: it reads as the registry's answer instead, until its first check.
 */
export function pausedRecord(registry: string, until: number, image: string, now: number): CheckRecord {
  const happened = `${registry} answered another check with 429 and a Retry-After until ${new Date(until).toISOString()}; ${image} is not checked before then, and the kubelet's pulls from that registry are refused meanwhile`;
  const { failure, message } = explain('rate-limited', happened);
  return { status: 'registry_unavailable', message, failure, registry, checkedAt: now, durationMs: 0, consecutiveFailures: 0 };
}
