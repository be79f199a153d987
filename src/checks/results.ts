// The latest outcome per check unit: what metrics, logs and the status page read; and per unit a
// short history for the status page (since when it has its status, when it was last available,
// its last few changes), bounded to HISTORY_LENGTH changes per unit.
import type { FailureClass } from '../registry/verdicts/reasons.js';
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
  /** The manifest digest the registry answered with, when it said. */
  digest?: string;
};

export const HISTORY_LENGTH = 5;

export type StatusChange = { status: Status; at: number };

export type StatusHistory = {
  /** When the unit got its current status. */
  since: number;
  lastAvailableAt?: number;
  /** Oldest first, at most HISTORY_LENGTH. */
  changes: StatusChange[];
};

export class CheckResults {
  private readonly records = new Map<string, CheckRecord>();
  /** Why a unit with no record yet has none (a check gave no answer); shown, never exported. */
  private readonly waitingReasons = new Map<string, string>();
  private readonly histories = new Map<string, StatusHistory>();
  private statusChanges = 0;

  set(key: string, record: CheckRecord): CheckRecord | undefined {
    const previous = this.records.get(key);
    this.records.set(key, record);
    if (previous?.status !== record.status) this.statusChanges++;
    this.remember(key, record, previous);
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

  history(key: string): StatusHistory | undefined {
    return this.histories.get(key);
  }

  delete(key: string): void {
    if (this.records.delete(key)) this.statusChanges++;
    this.histories.delete(key);
    this.waitingReasons.delete(key);
  }

  /**
   * Grows whenever a unit gets its first status, another status, or loses its record: what the
   * series and the status page's order show has changed. Rechecks with the same status leave it.
   */
  get statusVersion(): number {
    return this.statusChanges;
  }

  get size(): number {
    return this.records.size;
  }

  private remember(key: string, record: CheckRecord, previous: CheckRecord | undefined): void {
    let history = this.histories.get(key);
    if (!history) this.histories.set(key, (history = { since: record.checkedAt, changes: [] }));
    if (previous?.status !== record.status) {
      history.since = record.checkedAt;
      history.changes.push({ status: record.status, at: record.checkedAt });
      if (history.changes.length > HISTORY_LENGTH) history.changes.shift();
    }
    if (record.status === 'available') history.lastAvailableAt = record.checkedAt;
  }
}
