// A gzip body assembled from pieces compressed apart and kept: each piece is raw deflate ended by
// a sync flush (byte-aligned, not final, no reference to what came before it), so any sequence of
// them is one valid deflate stream once a final empty block ends it. A change to the text then
// costs the compression of the pieces it touches, not of the whole body; the gzip trailer's CRC-32
// is combined from the pieces' own (zlib's crc32_combine, below), with no pass over the text.
import { constants, crc32, deflateRawSync } from 'node:zlib';
import type { GzipBody } from './gzip-body.js';

/** `shift`: the operator that moves a CRC over `length` bytes (combine below). */
export type DeflatedSegment = { bytes: Buffer; crc: number; length: number; shift: number };

/** Member header: deflate, no name or time, unix (what zlib's gzip writes at level 1 but for its speed flag). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
/** A final empty block with fixed codes: ends the deflate stream. */
const FINAL_BLOCK = [0x03, 0x00];

/**
 * `text` compressed as a piece. The output is copied into a buffer of its own size: zlib hands out
 * slices of 16 KiB buffers, which kept would hold three times what they show.
 */
export function deflateSegment(text: Uint8Array): DeflatedSegment {
  const out = deflateRawSync(text, { level: constants.Z_BEST_SPEED, finishFlush: constants.Z_SYNC_FLUSH });
  const bytes = Buffer.allocUnsafeSlow(out.length);
  out.copy(bytes);
  return { bytes, crc: crc32(text), length: text.length, shift: shiftOver(text.length) };
}

/** The pieces as one gzip member; the pieces' buffers are shared, not copied. */
export function gzipOf(segments: Iterable<DeflatedSegment>): GzipBody {
  const gzipped: Buffer[] = [GZIP_HEADER];
  let gzippedBytes = GZIP_HEADER.length;
  let crc = 0;
  let bytes = 0;
  for (const segment of segments) {
    if (segment.length === 0) continue;
    gzipped.push(segment.bytes);
    gzippedBytes += segment.bytes.length;
    crc = (multiplyModP(segment.shift, crc) ^ segment.crc) >>> 0;
    bytes += segment.length;
  }
  const end = Buffer.alloc(FINAL_BLOCK.length + 8);
  end.set(FINAL_BLOCK);
  end.writeUInt32LE(crc, FINAL_BLOCK.length);
  end.writeUInt32LE(bytes % 2 ** 32, FINAL_BLOCK.length + 4);
  gzipped.push(end);
  return { gzipped, gzippedBytes: gzippedBytes + end.length, bytes };
}

// CRC-32 combination as zlib's crc32.c does it: polynomials over GF(2) modulo the CRC's, bit 31
// the constant term. CRC(A + B) = CRC(A) · x^(8·|B|) + CRC(B).
const POLY = 0xedb88320;

function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) mod P, k = 0..31. */
const X_TO_2_TO_K = (() => {
  const table = new Uint32Array(32);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k++) table[k] = p = multiplyModP(p, p);
  return table;
})();

/** x^(8·bytes) mod P: what CRC(A) is multiplied by when `bytes` bytes follow A. */
function shiftOver(bytes: number): number {
  let p = 0x80000000; // x^0
  for (let k = 3, n = bytes; n > 0; n = Math.floor(n / 2), k++) if (n % 2 === 1) p = multiplyModP(X_TO_2_TO_K[k & 31], p);
  return p;
}
