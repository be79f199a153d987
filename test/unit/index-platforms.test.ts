// Platform matching as containerd does it (platforms.Normalize and the default matcher): the table
// follows containerd's platforms tests for the aliases and arm variants.
import { ownPlatform, platformMatches } from '../../src/registry/contents/index-platforms.js';

test.each([
  ['linux/amd64', 'linux/amd64', true],
  ['linux/amd64', 'linux/x86_64', true],
  ['linux/amd64', 'linux/amd64/v1', true],
  ['linux/amd64', 'linux/amd64/v3', false],
  ['linux/amd64', 'linux/arm64', false],
  ['linux/amd64', 'windows/amd64', false],
  ['linux/arm64', 'linux/aarch64', true],
  ['linux/arm64', 'linux/arm64/v8', true],
  ['linux/arm/v7', 'linux/arm/v6', true],
  ['linux/arm/v6', 'linux/arm/v7', false],
  ['linux/arm', 'linux/armhf', true],
  ['linux/386', 'linux/i386', true],
])('node %s runs an index entry for %s: %s', (node, entry, expected) => {
  expect(platformMatches(node, entry)).toBe(expected);
});

test("this process's platform is named as a node's kubernetes.io/os and kubernetes.io/arch labels name it", () => {
  expect(ownPlatform()).toMatch(/^linux\/(amd64|arm64|arm|386|ppc64le|s390x|riscv64)$/);
});
