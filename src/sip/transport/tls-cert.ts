import { existsSync, mkdirSync, readFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The TLS certificate for SIP (RFC 3261 §26.2). Configured PEM files win; otherwise a self-signed
 * pair is made once with openssl under <dataDir>/sip-tls (issue 5: the embedded default speaks TLS
 * from the first start). The key file is readable by the owner only and never logged.
 */
export function loadOrCreateCertificate(opts: { certFile: string; keyFile: string; dataDir: string; commonName: string }): { cert: Buffer; key: Buffer; generated: boolean } {
  if (opts.certFile && opts.keyFile) return { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile), generated: false };
  const dir = join(opts.dataDir, 'sip-tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cn = opts.commonName.replace(/[^A-Za-z0-9.-]/g, '') || 'parley';
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '825',
      '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},DNS:localhost,IP:127.0.0.1`,
      '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    chmodSync(key, 0o600);
    return { cert: readFileSync(cert), key: readFileSync(key), generated: true };
  }
  return { cert: readFileSync(cert), key: readFileSync(key), generated: false };
}
