import { upstreamOf } from '../../src/registry/verdicts/absence-probes.js';

describe('the upstream a pull-through cache failed to reach, from its error body', () => {
  test("distribution's proxy mode with its upstream down (500 UNKNOWN, Go's url.Error as detail) → the upstream's origin", () => {
    const body = '{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{"Op":"Get","URL":"http://user:pw@127.0.0.1:45712/v2/","Err":{"Op":"dial","Net":"tcp","Source":null,"Addr":{"IP":"127.0.0.1","Port":45712,"Zone":""},"Err":{"Syscall":"connect","Err":111}}}}]}';
    expect(upstreamOf(body)).toBe('http://127.0.0.1:45712');
  });

  test('anything else names no upstream: other 500s, a storage endpoint, no URL, not JSON', () => {
    expect(upstreamOf('{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{}}]}')).toBeUndefined();
    expect(upstreamOf('{"errors":[{"code":"UNKNOWN","detail":{"Op":"Get","URL":"https://bucket.s3.amazonaws.com/docker/registry","Err":{}}}]}')).toBeUndefined();
    expect(upstreamOf('{"errors":[{"code":"UNKNOWN","detail":{"Op":"Get","URL":"file:///v2/","Err":{}}}]}')).toBeUndefined();
    expect(upstreamOf('<html>502 Bad Gateway</html>')).toBeUndefined();
    expect(upstreamOf(undefined)).toBeUndefined();
  });
});
