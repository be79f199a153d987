// A TLS failure met while the request is being written comes as EPROTO with OpenSSL's text; the
// same failure met while reading carries Node's code for it (ERR_SSL_WRONG_VERSION_NUMBER for a
// plain HTTP server). The code is derived here as Node derives it, so that the failure is classified
// the same whichever way it was met.

const OPENSSL_REASON = /:SSL routines:[^:]*:([a-z0-9 ]+):/;

export function withTlsCode(error: NodeJS.ErrnoException): NodeJS.ErrnoException {
  const reason = error.code === 'EPROTO' ? OPENSSL_REASON.exec(error.message)?.[1] : undefined;
  if (reason) error.code = `ERR_SSL_${reason.toUpperCase().replace(/ /g, '_')}`;
  return error;
}
