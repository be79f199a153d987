// The test node says in one line what this machine lacks, before it starts anything.
import { missingForNode } from '../support/node.js';

test('on this machine the node has everything it needs', () => {
  expect(missingForNode()).toBeUndefined();
});

test('without containerd on PATH the node names it and the script that installs it', () => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    expect(missingForNode()).toMatch(/^containerd is not installed: run test\/install-prereqs\.sh/);
  } finally {
    process.env.PATH = path;
  }
});
