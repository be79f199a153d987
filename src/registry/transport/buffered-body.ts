// The body of one answer on a direct connection, gathered from the parser's chunks with no stream
// between: a Readable per answer, its async iterator and their ticks were a tenth of the CPU of a
// request (BENCHMARKS.md, "Side by side with the Go exporter"). Bounded as bounded-body.ts bounds a
// stream: text() past its limit, or discard() past a small one, closes the connection, and bytes
// nobody has asked for yet pause it.
import { DISCARD_LIMIT_BYTES } from '../../bounds/bounded-body.js';
import type { AnswerBody } from './connections.js';

/** Bytes that arrive before the body is asked for: beyond this the connection waits. */
const UNCLAIMED_LIMIT_BYTES = 64 * 1024;

type Claim = { maxBytes: number; tooLarge?: () => Error; resolve(text: string): void; reject(error: Error): void };

/** What the body needs of its connection. */
export type BodySource = { pause(): void; resume(): void; destroy(): void };

export class BufferedBody implements AnswerBody {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Set once the body is whole ({}) or has failed. */
  private outcome?: { error?: Error };
  private claim?: Claim;
  private claimed = false;

  constructor(private readonly source: BodySource) {}

  /** Whether the body is whole or has failed: the connection owes it nothing more. */
  get settled(): boolean {
    return this.outcome !== undefined;
  }

  push(chunk: Buffer): void {
    if (this.outcome) return;
    this.size += chunk.length;
    const claim = this.claim;
    if (claim && this.size > claim.maxBytes) return this.close(claim.tooLarge?.());
    // Claimed by discard(): counted, not kept.
    if (claim && !claim.tooLarge) return;
    this.chunks.push(chunk);
    if (!claim && this.size > UNCLAIMED_LIMIT_BYTES) this.source.pause();
  }

  end(): void {
    if (this.outcome) return;
    this.outcome = {};
    this.settle();
  }

  fail(error: Error): void {
    if (this.outcome) return;
    this.outcome = { error };
    this.settle();
  }

  text(maxBytes: number, tooLarge: () => Error): Promise<string> {
    return this.take(maxBytes, tooLarge);
  }

  async discard(): Promise<void> {
    await this.take(DISCARD_LIMIT_BYTES, undefined);
  }

  /** `tooLarge` undefined: the bytes are dropped, and past `maxBytes` the connection is closed quietly. */
  private take(maxBytes: number, tooLarge: (() => Error) | undefined): Promise<string> {
    if (this.claimed) return Promise.reject(new Error('an answer body is read once'));
    this.claimed = true;
    return new Promise<string>((resolve, reject) => {
      this.claim = { maxBytes, tooLarge, resolve, reject };
      if (tooLarge === undefined) this.chunks = [];
      if (this.size > maxBytes) {
        if (this.outcome) this.settleWith(tooLarge?.());
        else this.close(tooLarge?.());
      } else if (this.outcome) this.settle();
      else this.source.resume();
    });
  }

  /** Stops reading: the connection is closed, the claim settles with `error` (or as read, when none). */
  private close(error: Error | undefined): void {
    this.outcome = { error };
    this.settle();
    this.source.destroy();
  }

  private settle(): void {
    this.settleWith(this.outcome?.error);
  }

  private settleWith(error: Error | undefined): void {
    const claim = this.claim;
    if (!claim) return;
    this.claim = undefined;
    if (error) claim.reject(error);
    else claim.resolve(claim.tooLarge ? Buffer.concat(this.chunks, this.size).toString('utf8') : '');
    this.chunks = [];
  }
}
