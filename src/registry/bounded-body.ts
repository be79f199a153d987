// Reads a response body up to a size limit: a hostile or broken server cannot make the exporter
// buffer more than that. Over the limit the body is dropped and `tooLarge` is thrown.
import type { Dispatcher } from 'undici';

export async function readBoundedBody(body: Dispatcher.ResponseData['body'], maxBytes: number, tooLarge: () => Error): Promise<string> {
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
