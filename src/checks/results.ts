// The latest outcome per check unit: what metrics, logs and the status page read.
import type { FailureClass } from '../registry/reasons.js';
import type { Status } from '../status.js';

export type CheckRecord = {
  status: Status;
  message: string;
  registry: string;
  checkedAt: number;
  durationMs: number;
  consecutiveFailures: number;
  /** os/architecture pairs of a multi-platform image, when platforms are read. */
  platforms?: string[];
  /** The kind of failure, for what-to-do hints (hintFor in src/registry/reasons.ts). */
  failure?: FailureClass;
};

export class CheckResults {
  private readonly records = new Map<string, CheckRecord>();
  /** Why a unit with no record yet has none (a check gave no answer); shown, never exported. */
  private readonly waitingReasons = new Map<string, string>();

  set(key: string, record: CheckRecord): CheckRecord | undefined {
    const previous = this.records.get(key);
    this.records.set(key, record);
    this.waitingReasons.delete(key);
    return previous;
  }

  /** A check of a unit never checked gave no answer: remember why, until it has a record. */
  setWaitingReason(key: string, reason: string): void {
    if (!this.records.has(key)) this.waitingReasons.set(key, reason);
  }

  waitingReason(key: string): string | undefined {
    return this.waitingReasons.get(key);
  }

  get(key: string): CheckRecord | undefined {
    return this.records.get(key);
  }

  delete(key: string): void {
    this.records.delete(key);
    this.waitingReasons.delete(key);
  }

  get size(): number {
    return this.records.size;
  }
}
