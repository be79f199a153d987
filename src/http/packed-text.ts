// Text packed into 64 KiB buffers as it is written: a body of hundreds of thousands of lines never
// exists as one string (which V8 would hold in memory twice over while joining, then copy once
// more into every socket that sends it), and a writer of bytes (a label table) adds no string at all.
// What is reserved at once is never split over two buffers, so each buffer ends on a whole line.
// A writer that reuses its buffers (for a consumer that is done with each before asking for the
// next: a compressor) allocates two per body instead of one per 64 KiB: hundreds per render, which
// otherwise sit in the allocator's free lists and in V8's old space until a full collection.
export const CHUNK_BYTES = 64 * 1024;

/** Pieces longer than this are copied natively (copyReserved). */
const NATIVE_COPY_FROM = 8;

export type PackedText = { chunks: Buffer[]; bytes: number };

/** `reuse`: a buffer handed out is valid only until the next one is asked for. */
export type ChunkWriterOptions = { reuse?: boolean; chunkBytes?: number };

export class ChunkWriter {
  private readonly chunkBytes: number;
  private readonly reuse: boolean;
  private chunk: Buffer;
  private used = 0;
  /** Filled buffers not handed out yet: what to hand out, and the whole buffer behind it. */
  private readonly done: Array<{ view: Buffer; whole: Buffer }> = [];
  private spare: Buffer | undefined;

  constructor(options: ChunkWriterOptions = {}) {
    this.chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
    this.reuse = options.reuse ?? false;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
  }

  /** Starts a new text in the buffers kept from the last, whatever became of it (a render given up half-way). */
  restart(): void {
    this.used = 0;
    this.done.length = 0;
  }

  /** Makes room for `bytes` in the current buffer: another one (as large as needed) when they do not fit. */
  reserve(bytes: number): void {
    if (bytes <= this.chunk.length - this.used) return;
    if (this.used > 0) this.done.push({ view: this.chunk.subarray(0, this.used), whole: this.chunk });
    const spare = this.spare;
    this.spare = undefined;
    this.chunk = spare && bytes <= spare.length ? spare : Buffer.allocUnsafe(Math.max(this.chunkBytes, bytes));
    this.used = 0;
  }

  text(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.used += this.chunk.write(text, this.used);
  }

  /**
   * Bytes `start` to `end` of `source`, into room already reserved. Pieces longer than a few bytes
   * (a label set) go in one native copy: in the image's interpreter-only V8 (--max-opt=0) a byte
   * loop costs about 25 times as much, and made a render of 32 000 series take over a second. The
   * view the copy needs is young garbage, gone at the next scavenge; the shortest pieces (a value)
   * are copied byte by byte, which is cheaper than a view.
   */
  copyReserved(source: Uint8Array, start = 0, end = source.length): void {
    if (end - start > NATIVE_COPY_FROM) {
      // A plain Uint8Array view: Buffer#subarray runs JavaScript of its own (a Buffer's constructor) per call.
      this.chunk.set(new Uint8Array(source.buffer, source.byteOffset + start, end - start), this.used);
      this.used += end - start;
      return;
    }
    const chunk = this.chunk;
    let used = this.used;
    for (let i = start; i < end; i++) chunk[used++] = source[i];
    this.used = used;
  }

  /** Whether a buffer is full and waits for `filled()`. */
  get hasFilled(): boolean {
    return this.done.length > 0;
  }

  /** The buffers filled since the last call. */
  *filled(): Generator<Buffer> {
    while (this.done.length > 0) {
      const { view, whole } = this.done.shift()!;
      yield view;
      // Asked for the next one: the consumer is done with this one.
      if (this.reuse && whole.length === this.chunkBytes) this.spare = whole;
    }
  }

  /** The filled buffers and what the current one holds: the end of the text. */
  *end(): Generator<Buffer> {
    yield* this.filled();
    if (this.used > 0) yield this.chunk.subarray(0, this.used);
    this.used = 0;
  }
}

/** Buffers made by a renderer, copied and held together (benchmarks and tests measure or read the whole body). */
export function collect(chunks: Iterable<Buffer>): PackedText {
  const all = Array.from(chunks, (chunk) => Buffer.from(chunk));
  return { chunks: all, bytes: all.reduce((sum, chunk) => sum + chunk.length, 0) };
}
