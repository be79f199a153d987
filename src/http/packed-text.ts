// Text pieces (lines, families) packed into 64 KiB buffers as they come: a body of hundreds of
// thousands of lines never exists as one string (which V8 would hold in memory twice over while
// joining, then copy once more into every socket that sends it). Buffers are written to sockets
// without copying, so every response sharing them shares the memory too.
const CHUNK_BYTES = 64 * 1024;

export type PackedText = { chunks: Buffer[]; bytes: number };

export function packText(pieces: Iterable<string>): PackedText {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = () => {
    if (used === 0) return;
    chunks.push(chunk.subarray(0, used));
    bytes += used;
    chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    used = 0;
  };
  for (const piece of pieces) {
    const length = Buffer.byteLength(piece);
    if (length > CHUNK_BYTES - used) flush();
    if (length > CHUNK_BYTES) {
      chunks.push(Buffer.from(piece));
      bytes += length;
      continue;
    }
    used += chunk.write(piece, used);
  }
  flush();
  return { chunks, bytes };
}
