// Text pieces (lines, families) packed into 64 KiB buffers as they come: a body of hundreds of
// thousands of lines never exists as one string (which V8 would hold in memory twice over while
// joining, then copy once more into every socket that sends it).
const CHUNK_BYTES = 64 * 1024;

export type PackedText = { chunks: Buffer[]; bytes: number };

export function packText(pieces: Iterable<string>): PackedText {
  const chunks = [...packChunks(pieces)];
  return { chunks, bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0) };
}

/** The same, a buffer at a time, for a consumer that passes each on (a compressor). */
export function* packChunks(pieces: Iterable<string>): Generator<Buffer> {
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  for (const piece of pieces) {
    const length = Buffer.byteLength(piece);
    if (length > CHUNK_BYTES - used && used > 0) {
      yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      used = 0;
    }
    if (length > CHUNK_BYTES) {
      yield Buffer.from(piece);
      continue;
    }
    used += chunk.write(piece, used);
  }
  if (used > 0) yield chunk.subarray(0, used);
}
