// The benchmarks run the exporter's processes with the image's environment: the Dockerfile's ENV
// lines on top of this machine's environment, without this machine's Node.js settings.
import { imageEnvironment } from '../../bench/lib/image-node-flags.js';

test("the image's environment → its ENV lines, the machine's PATH, none of the machine's NODE_* settings", () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', NODE_OPTIONS: '--max-old-space-size=64', NODE_ENV: 'test' });
    const env = imageEnvironment();
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(env.NODE_OPTIONS).toBeUndefined();
    // Set by the image's ENV line, so present with the image's value.
    expect(env.NODE_ENV).toBe('production');
    expect(env.MALLOC_ARENA_MAX).toBe('2');
    expect(env.PATH).toBe(process.env.PATH);
  } finally {
    process.env = saved;
  }
});
