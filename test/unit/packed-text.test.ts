import { gunzipSync } from 'node:zlib';
import { gzipChunks } from '../../src/http/gzip-body.js';
import { ChunkWriter, collect } from '../../src/http/packed-text.js';

/** Writes `lines` through a writer, a mix of text and reserved bytes, as the metrics renderer does. */
function* written(writer: ChunkWriter, lines: string[]): Generator<Buffer> {
  for (const [i, line] of lines.entries()) {
    if (i % 2 === 0) writer.text(line);
    else {
      const bytes = Buffer.from(line);
      writer.reserve(bytes.length);
      writer.copyReserved(bytes);
    }
    if (writer.hasFilled) yield* writer.filled();
  }
  yield* writer.end();
}

const lines = Array.from({ length: 5000 }, (_, i) => `family_${i % 8}{namespace="ns-${i}",image="régistry/ïmage:${i}"} ${i % 2}\n`);

describe('ChunkWriter', () => {
  test('every buffer ends on a whole line, and together they are the text', () => {
    const chunks = collect(written(new ChunkWriter({ chunkBytes: 1000 }), lines)).chunks;
    expect(chunks.length).toBeGreaterThan(100);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(1000);
      expect(chunk.toString().endsWith('\n')).toBe(true);
    }
    expect(Buffer.concat(chunks).toString()).toBe(lines.join(''));
  });

  test('a line longer than a buffer gets one of its own, whole', () => {
    const long = `${'x'.repeat(5000)}\n`;
    const chunks = collect(written(new ChunkWriter({ chunkBytes: 1000 }), ['a\n', long, 'b\n'])).chunks;
    expect(chunks.map((chunk) => chunk.toString())).toEqual(['a\n', long, 'b\n']);
  });

  test('a reusing writer hands out two buffers for a whole body, each valid until the next is asked for', () => {
    const seen = new Set<ArrayBufferLike>();
    const copies: Buffer[] = [];
    // Buffers of 8 KiB and more have memory of their own (smaller ones share Node's pool).
    for (const chunk of written(new ChunkWriter({ chunkBytes: 8192, reuse: true }), lines)) {
      seen.add(chunk.buffer);
      copies.push(Buffer.from(chunk));
    }
    expect(copies.length).toBeGreaterThan(20);
    expect(seen.size).toBe(2);
    expect(Buffer.concat(copies).toString()).toBe(lines.join(''));
  });

  test('gzip of a reusing writer decompresses to the text: each buffer is compressed before it is reused', async () => {
    const long = `${'y'.repeat(70_000)}\n`;
    const all = [...lines, long, ...lines];
    const body = await gzipChunks(written(new ChunkWriter({ reuse: true }), all));
    expect(body.bytes).toBe(Buffer.byteLength(all.join('')));
    expect(gunzipSync(Buffer.concat(body.gzipped)).toString()).toBe(all.join(''));
  });
});
