// The /metrics body is kept gzip-compressed (level 1: a tenth of the size for this repetitive
// text, at a fraction of the render's own cost): what stays in memory between scrapes and while
// slow clients are served is small. Clients that accept gzip (Prometheus does) get it as is;
// others get it decompressed on the fly, a chunk at a time as their socket drains. The body is
// assembled from pieces compressed apart (gzip-segments.ts); gzipChunks compresses a whole text
// in one stream, as the full render is measured against it (bench/cases/render.ts).
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { constants, createGunzip, createGzip } from 'node:zlib';

export type GzipBody = { gzipped: Buffer[]; gzippedBytes: number; bytes: number };

/**
 * Compresses buffers as they come, each once the compressor is done with the one before: no more
 * than one is uncompressed at once, and the source may reuse it for the next (ChunkWriter's reuse).
 */
export async function gzipChunks(chunks: Iterable<Buffer>): Promise<GzipBody> {
  // Output in 64 KiB buffers rather than zlib's 16 KiB: fewer pieces to keep and to write to each scraper.
  const gzip = createGzip({ level: constants.Z_BEST_SPEED, chunkSize: 64 * 1024 });
  const gzipped: Buffer[] = [];
  let gzippedBytes = 0;
  gzip.on('data', (chunk: Buffer) => {
    gzipped.push(chunk);
    gzippedBytes += chunk.length;
  });
  const ended = once(gzip, 'end');
  let bytes = 0;
  for (const chunk of chunks) {
    bytes += chunk.length;
    await new Promise<void>((resolve, reject) => gzip.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
  gzip.end();
  await ended;
  return { gzipped, gzippedBytes, bytes };
}

/**
 * Decompressed pieces small enough to come from Node's shared buffer pool (under half of
 * Buffer.poolSize) rather than an allocation each: the kernel takes megabytes for a client that
 * does not read before the socket pushes back, and twenty such clients otherwise leave the C heap
 * megabytes larger with freed 16 KiB blocks (BENCHMARKS.md, case 7).
 */
const GUNZIP_PIECE_BYTES = 4000;

/** The body decompressed lazily: the next chunk is made when the consumer asks for it. */
export async function* gunzipped(gzipped: readonly Buffer[]): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_PIECE_BYTES });
  const source = Readable.from(gzipped);
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}
