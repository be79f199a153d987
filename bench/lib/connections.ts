// Counts the TCP connections undici opens in this process (every undici client publishes on this
// channel), to tell a keep-alive pool from one that reconnects for every request.
import { channel } from 'node:diagnostics_channel';

let opened = 0;
channel('undici:client:connected').subscribe(() => opened++);

export function connectionsOpened(): number {
  return opened;
}
