// Reads a response body (undici's or node:http's) up to a size limit: a hostile or broken server
// cannot make the exporter buffer more than that. Over the limit the body is dropped and
// `tooLarge` is thrown. A body nobody needs is read to its end, so that its connection can be
// reused, unless it is longer than a small limit: then the connection is closed instead.
import type { Readable } from 'node:stream';

export async function readBoundedBody(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Small enough to read rather than lose a kept-alive connection over (undici's dump() limit). */
export const DISCARD_LIMIT_BYTES = 128 * 1024;

export async function discardBody(body: Readable): Promise<void> {
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > DISCARD_LIMIT_BYTES) {
      body.destroy();
      return;
    }
  }
}
