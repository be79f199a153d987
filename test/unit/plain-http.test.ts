// When a registry may be asked over plain HTTP after HTTPS failed: named hosts, every host ("*",
// the Go exporter's bare switch), and loopback registries unnamed, as Docker and containerd do.
import { isLoopbackRegistry, plainHttpFallback } from '../../src/registry/transport/plain-http.js';

describe('loopback registries', () => {
  test.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['LOCALHOST:5000', true],
    ['127.0.0.1:5000', true],
    ['127.8.9.10', true],
    ['[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]:5000', true],
    ['::1', true],
    ['10.0.0.5:5000', false],
    ['192.168.1.10', false],
    ['172.16.0.1:5000', false],
    ['[fd00::1]:5000', false],
    ['128.0.0.1', false],
    ['localhost.example.com', false],
    ['registry.example.com', false],
    ['127.0.0.1.nip.io', false],
  ])('%s → loopback: %s', (host, expected) => {
    expect(isLoopbackRegistry(host)).toBe(expected);
  });
});

describe('the fallback rule', () => {
  const WRONG_VERSION = 'ERR_SSL_WRONG_VERSION_NUMBER';

  test('loopback only when the rule says so (the exporter and the check command do)', () => {
    expect(plainHttpFallback({ hosts: [], loopback: true })('127.0.0.1:5000', WRONG_VERSION)).toBe(true);
    expect(plainHttpFallback({ hosts: [] })('127.0.0.1:5000', WRONG_VERSION)).toBe(false);
  });

  test('loopback only after HTTPS met a plain-HTTP server or a closed port, not a certificate problem or a timeout', () => {
    const allowed = plainHttpFallback({ hosts: [], loopback: true });
    expect(allowed('localhost:5000', 'ERR_SSL_PACKET_LENGTH_TOO_LONG')).toBe(true);
    expect(allowed('localhost', 'ECONNREFUSED')).toBe(true);
    expect(allowed('127.0.0.1:5000', 'DEPTH_ZERO_SELF_SIGNED_CERT')).toBe(false);
    expect(allowed('127.0.0.1:5000', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe(false);
    expect(allowed('127.0.0.1:5000', 'TIMEOUT')).toBe(false);
  });

  test('private addresses and other hosts only when named; a named host after any failure', () => {
    const allowed = plainHttpFallback({ hosts: ['Registry.Lab:5000', '10.0.0.5:5000'], loopback: true });
    expect(allowed('registry.lab:5000', 'TIMEOUT')).toBe(true);
    expect(allowed('10.0.0.5:5000', WRONG_VERSION)).toBe(true);
    expect(allowed('10.0.0.6:5000', WRONG_VERSION)).toBe(false);
    expect(allowed('registry.lab', WRONG_VERSION)).toBe(false);
    expect(allowed('quay.io', WRONG_VERSION)).toBe(false);
  });

  test('"*" (bare --allow-plain-http) is every registry', () => {
    expect(plainHttpFallback({ hosts: ['*'] })('quay.io', 'ECONNRESET')).toBe(true);
  });
});
