// An extra CA file (--capath): read and checked when the settings load, so a wrong path or a file
// without a certificate stops the start with one line instead of failing every TLS check later.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Larger than any real CA bundle (the Mozilla roots are about 220 KiB). */
const MAX_CA_FILE_BYTES = 4 * 1024 * 1024;

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The file's text when it holds PEM certificates, every one readable; else an Error saying what is wrong. */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new Error(`cannot read ${path}: ${why}; give a readable PEM file of CA certificates`);
  }
  if (text.length > MAX_CA_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_CA_FILE_BYTES / 1024 / 1024} MiB; no CA bundle is: give the PEM file of the CA certificates`);
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error(`${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate in PEM form (openssl x509 -in ca.der -inform der -out ca.pem converts DER)`);
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new Error(`${path}: certificate ${i + 1} of ${blocks.length} cannot be read (${(error as Error).message}); fix or remove it`);
    }
  });
  return text;
}
