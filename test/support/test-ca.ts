// A throwaway certificate authority for one test registry, made with the openssl CLI
// (node:crypto can sign but cannot issue X.509 certificates). P-256 keys keep it fast.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  /** CA certificate (PEM): trust this to reach the registry over TLS. */
  readonly caFile: string;
  readonly caPem: string;
  readonly keyFile: string;
  readonly dir: string;
}

export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

// Explicit extension sections instead of the system openssl.cnf, so the result does not
// depend on the distribution's defaults.
const OPENSSL_CNF = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[wrong-name]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:registry.wrong-name.invalid
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[signing]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function createTestCa(dir: string): Promise<TestCa> {
  const cnf = join(dir, 'openssl.cnf');
  await writeFile(cnf, OPENSSL_CNF);
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  await openssl(['req', '-x509', '-config', cnf, '-extensions', 'ca', ...NEW_KEY,
    '-keyout', keyFile, '-out', caFile, '-days', '2', '-subj', '/CN=k8s-image-availability-exporter test CA']);
  return { caFile, caPem: await readFile(caFile, 'utf8'), keyFile, dir };
}

/**
 * `server`: a TLS certificate for IP:127.0.0.1 and DNS:localhost.
 * `client`: a TLS client certificate with CN=name.
 * `signing`: a certificate for the token server's JWT signing key.
 */
export async function issueCert(ca: TestCa, name: string, kind: 'server' | 'client' | 'signing'): Promise<IssuedCert> {
  const certFile = join(ca.dir, `${name}.pem`);
  const keyFile = join(ca.dir, `${name}.key`);
  const subject = kind === 'server' ? '/CN=127.0.0.1' : `/CN=${name}`;
  await openssl(['req', '-x509', '-config', join(ca.dir, 'openssl.cnf'), '-extensions', kind,
    '-CA', ca.caFile, '-CAkey', ca.keyFile, ...NEW_KEY,
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', subject]);
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certFile, keyFile, certPem, keyPem };
}

/**
 * A server certificate the CA signed that a client must still refuse: `expired` (for 127.0.0.1,
 * its notAfter a day before its notBefore) or `wrong-name` (valid, for registry.wrong-name.invalid only).
 */
export async function issueRefusedServerCert(ca: TestCa, name: string, flaw: 'expired' | 'wrong-name'): Promise<IssuedCert> {
  const certFile = join(ca.dir, `${name}.pem`);
  const keyFile = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const subject = flaw === 'expired' ? '/CN=127.0.0.1' : '/CN=registry.wrong-name.invalid';
  await openssl(['req', '-new', '-config', join(ca.dir, 'openssl.cnf'), ...NEW_KEY, '-keyout', keyFile, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.keyFile, '-out', certFile,
    '-extfile', join(ca.dir, 'openssl.cnf'), '-extensions', flaw === 'expired' ? 'server' : 'wrong-name', '-days', flaw === 'expired' ? '-1' : '2']);
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { certFile, keyFile, certPem, keyPem };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`);
  }
}
