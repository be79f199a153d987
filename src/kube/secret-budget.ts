// The bytes of pull secret content the exporter holds, across all namespaces, bounded: anyone who
// may create Secrets and Deployments in one namespace could otherwise fill the heap with large
// secrets and stop the exporter (and the alerting of every namespace). When a secret does not fit,
// the secrets larger than it make room, largest first; if they cannot, it is the one refused. A
// cluster of many small, ordinary pull secrets is never held back by a few huge ones.
import { getHeapStatistics } from 'node:v8';

/** What the exporter keeps of one pull secret, beyond its bytes: an entry's objects. */
export const BYTES_PER_ENTRY = 256;

/** An eighth of the heap: 20 MiB under the chart's default 256Mi limit, more as the limit grows. */
export function defaultSecretBytesTotal(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 8);
}

export class SecretBudget {
  private readonly held = new Map<string, number>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get heldBytes(): number {
    return this.total;
  }

  /**
   * Holds `bytes` for `secret`, making room by giving up larger secrets. Returns the secrets given
   * up (to be refused), or undefined when this one is refused: nothing larger could make room.
   */
  admit(secret: string, bytes: number): string[] | undefined {
    this.release(secret);
    if (bytes > this.maxBytes) return undefined;
    const needed = this.total + bytes - this.maxBytes;
    const evicted: string[] = [];
    if (needed > 0) {
      let freed = 0;
      for (const [other, size] of [...this.held].sort((a, b) => b[1] - a[1])) {
        if (size <= bytes || freed >= needed) break;
        evicted.push(other);
        freed += size;
      }
      if (freed < needed) return undefined;
      for (const other of evicted) this.release(other);
    }
    this.held.set(secret, bytes);
    this.total += bytes;
    return evicted;
  }

  release(secret: string): void {
    const size = this.held.get(secret);
    if (size === undefined) return;
    this.held.delete(secret);
    this.total -= size;
  }
}
