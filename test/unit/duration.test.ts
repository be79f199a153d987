// Go's time.ParseDuration units, as the Go exporter's flags take them; the micro signs are written
// as escapes in the source (src/settings/duration.ts), so both spellings are checked here.
import { parseGoDuration } from '../../src/settings/duration.js';

test.each([
  ['1500µs', 1.5], // U+00B5 MICRO SIGN
  ['1500μs', 1.5], // U+03BC GREEK SMALL LETTER MU
  ['1500us', 1.5],
  ['1h30m', 5_400_000],
  ['300ms', 300],
])('Go duration %s → %d ms', (text, ms) => {
  expect(parseGoDuration(text)).toBe(ms);
});

test('a micro sign spelled with another character → refused as Go refuses it', () => {
  expect(() => parseGoDuration('1500\u00c2s')).toThrow('invalid duration "1500\u00c2s"');
});
