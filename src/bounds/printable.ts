// Foreign text that is not secret but is input (a docker config key, a secret name, a plugin's
// field, a cloud endpoint's answer): one printable ASCII line, cut to `max` characters, before it
// reaches a message.
export function printable(text: string, max: number): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}
