// Whether the real Node.js optimizes hot code under some Node flags: the tests of the image's
// --max-opt flag and of the flags the slow-render hint reads as "optimizing compiler off" ask it.
import { execFileSync } from 'node:child_process';

const SCRIPT = [
  'function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }',
  'let total = 0; for (let k = 0; k < 50000; k++) total += work(100);',
  // Bit 4 of V8's optimization status: the function runs optimized code.
  'process.stdout.write(String((%GetOptimizationStatus(work) & 16) !== 0));',
].join('\n');

/** Whether a function called often enough to be optimized is, under these Node flags. */
export function optimizesHotCode(nodeFlags: string[]): boolean {
  return execFileSync(process.execPath, [...nodeFlags, '--allow-natives-syntax', '-e', SCRIPT], { encoding: 'utf8' }) === 'true';
}
