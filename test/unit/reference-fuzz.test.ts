// Property tests of the reference parser: nothing but a ReferenceError ever escapes, and
// references built from the grammar always parse and round-trip.
import fc from 'fast-check';
import { parseReference, ReferenceError } from '../../src/registry/references/reference.js';

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const alnum = fc.string({ unit: lower, minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const component = fc.tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 })).map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const host = fc.oneof(
  fc.tuple(alnum, alnum).map(([a, b]) => `${a}.${b}`),
  fc.tuple(alnum, fc.integer({ min: 1, max: 65535 })).map(([a, port]) => `${a}:${port}`),
  fc.constant('localhost'),
  fc.constant('localhost:5000'),
);
const tag = fc.tuple(fc.constantFrom(...'abcXYZ019_'.split('')), fc.string({ unit: fc.constantFrom(...'abcXYZ019_.-'.split('')), maxLength: 20 })).map(([a, b]) => a + b);
const digest = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 }).map((hex) => `sha256:${hex}`);
const validReference = fc
  .tuple(fc.option(host, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 4 }), fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }))
  // Without a host, a first component that looks like one would be taken for one: name docker.io then.
  .map(([h, path, t, d]) => [h ?? (path.length > 1 && /[.:]|^localhost$/.test(path[0]) ? 'docker.io' : undefined), path, t, d] as const)
  .map(([h, path, t, d]) => `${h ? `${h}/` : ''}${path.join('/')}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`)
  .filter((ref) => !/^[a-f0-9]{64}$/.test(ref) && ref.length < 200);

const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: fc.constantFrom(...'aA0:/@._-\u0000\n é'.split('')), maxLength: 80 }),
  validReference.map((ref) => ref.toUpperCase()),
  validReference.map((ref) => `${ref}@${ref}`),
  validReference.map((ref) => `${ref}//x`),
  validReference.map((ref) => `host:${'9'.repeat(6)}/${ref}`),
  fc.integer({ min: 5000, max: 20000 }).map((n) => 'a'.repeat(n)),
);

describe('reference parser properties', () => {
  test('valid references parse, and their normalised form round-trips (5 000 cases)', () => {
    fc.assert(
      fc.property(validReference, (ref) => {
        const parsed = parseReference(ref);
        return parseReference(parsed.normalized).normalized === parsed.normalized;
      }),
      { numRuns: 5000 },
    );
  });

  test('hostile and near-valid input: a reference or a ReferenceError, nothing else (10 000 cases)', () => {
    fc.assert(
      fc.property(hostile, (input) => {
        try {
          const parsed = parseReference(input);
          return parseReference(parsed.normalized).normalized === parsed.normalized;
        } catch (error) {
          return error instanceof ReferenceError && error.message.length < 200 && !/[\u0000-\u001f]/.test(error.message);
        }
      }),
      { numRuns: 10000 },
    );
  });
});
