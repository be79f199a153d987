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

  set(key: string, record: CheckRecord): CheckRecord | undefined {
    const previous = this.records.get(key);
    this.records.set(key, record);
    return previous;
  }

  get(key: string): CheckRecord | undefined {
    return this.records.get(key);
  }

  delete(key: string): void {
    this.records.delete(key);
  }

  get size(): number {
    return this.records.size;
  }
}
