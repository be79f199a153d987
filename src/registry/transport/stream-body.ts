// An answer body that comes as a stream (undici's, through a proxy) in the shape of the
// connections' contract, bounded by bounded-body.ts.
import type { Readable } from 'node:stream';
import { discardBody, readBoundedBody } from '../../bounds/bounded-body.js';
import type { AnswerBody } from './connections.js';

export function streamBody(stream: Readable): AnswerBody {
  return {
    text: (maxBytes, tooLarge) => readBoundedBody(stream, maxBytes, tooLarge),
    discard: () => discardBody(stream),
  };
}
