import { GivenWarnings, type GivenWarning } from '../../src/admission/given-warnings.js';

const warning = (at: number): GivenWarning => ({ at, operation: 'CREATE', object: 'Deployment shop/web', dryRun: false, denied: false, warning: `warning ${at}` });

describe('admission warnings kept for the status page', () => {
  test('per image only the latest few are kept, oldest first', () => {
    const given = new GivenWarnings(3, 10);
    for (let at = 1; at <= 7; at++) given.record('img', warning(at));
    expect(given.of('img').map((w) => w.at)).toEqual([5, 6, 7]);
    expect(given.of('other')).toEqual([]);
  });

  test('over the image limit, the image warned about longest ago is forgotten; a new warning makes an image recent again', () => {
    const given = new GivenWarnings(3, 2);
    given.record('a', warning(1));
    given.record('b', warning(2));
    given.record('a', warning(3));
    given.record('c', warning(4));
    expect(given.of('b')).toEqual([]);
    expect(given.of('a').map((w) => w.at)).toEqual([1, 3]);
    expect(given.of('c').map((w) => w.at)).toEqual([4]);
  });
});
