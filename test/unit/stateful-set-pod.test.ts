import { statefulSetPod } from '../../src/kube/stateful-set-pod.js';

describe('statefulSetPod', () => {
  test.each([
    ['iae-k8s-image-availability-exporter-0', { statefulSet: 'iae-k8s-image-availability-exporter', ordinal: 0 }],
    ['web-12', { statefulSet: 'web', ordinal: 12 }],
    ['a.b-3', { statefulSet: 'a.b', ordinal: 3 }],
  ])('%s → its StatefulSet and ordinal', (name, expected) => {
    expect(statefulSetPod(name)).toEqual(expected);
  });

  test.each([
    ['a Deployment pod (random suffix)', 'web-7d9f8c6b5-x2x4z'],
    ['no ordinal', 'web'],
    ['a leading zero', 'web-01'],
    ['upper case', 'Web-0'],
    ['an empty StatefulSet name', '-0'],
    ['an ordinal beyond any StatefulSet', 'web-12345678901'],
    ['a name longer than any object name', `${'a'.repeat(300)}-0`],
  ])('%s → not a StatefulSet pod', (_what, name) => {
    expect(statefulSetPod(name)).toBeUndefined();
  });
});
