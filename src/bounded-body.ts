// Reads a response body (undici's or node:http's) up to a size limit: a hostile or broken server
// cannot make the exporter buffer more than that. Over the limit the body is dropped and
// `tooLarge` is thrown.
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
