import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its private key, as PEM text and as files (for TLS_* variables and curl). */
export interface Issued {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestCa extends Issued {
  /** An end-entity certificate for `subject` (OpenSSL's /C=NO/O=…/CN=… form); `days` -1 gives an expired one. */
  issue(subject: string, options?: { days?: number; extensions?: string[]; keyType?: 'ec' | 'rsa' }): Issued;
  /** A CA certificate below this one. */
  intermediate(subject: string): TestCa;
}

/** Certificates made with the openssl command line in a temporary folder: CAs, clients, servers, self-signed. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'token-issuer-pki-'));
  private serial = 0;

  ca(subject = '/CN=Test Client CA'): TestCa {
    const name = this.next();
    this.openssl(['req', '-utf8', '-x509', ...this.newKey('ec', name), '-out', this.file(`${name}.pem`), '-subj', subject, '-days', '30',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return this.asCa(this.read(name));
  }

  /** A self-signed end-entity certificate (self_signed_tls_client_auth); `days` -1 gives an expired one. */
  selfSigned(subject = '/CN=self-signed client', options: { days?: number; keyType?: 'ec' | 'rsa' } = {}): Issued {
    const name = this.next();
    this.openssl(['req', '-utf8', ...this.newKey(options.keyType ?? 'ec', name), '-out', this.file(`${name}.csr`), '-subj', subject]);
    const extfile = this.write(`${name}.ext`, 'basicConstraints=critical,CA:FALSE\n');
    this.openssl(['x509', '-req', '-in', this.file(`${name}.csr`), '-signkey', this.file(`${name}.key`), '-out', this.file(`${name}.pem`), '-days', String(options.days ?? 30), '-extfile', extfile]);
    return this.read(name);
  }

  private asCa(ca: Issued): TestCa {
    return {
      ...ca,
      issue: (subject, options = {}) => this.signed(ca, subject, options.days ?? 30, ['basicConstraints=critical,CA:FALSE', ...(options.extensions ?? [])], options.keyType ?? 'ec'),
      intermediate: (subject) => this.asCa(this.signed(ca, subject, 30, ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'], 'ec')),
    };
  }

  private signed(ca: Issued, subject: string, days: number, extensions: string[], keyType: 'ec' | 'rsa'): Issued {
    const name = this.next();
    this.openssl(['req', '-utf8', ...this.newKey(keyType, name), '-out', this.file(`${name}.csr`), '-subj', subject]);
    const extfile = this.file(`${name}.ext`);
    writeFileSync(extfile, `${extensions.join('\n')}\n`);
    this.openssl(['x509', '-req', '-in', this.file(`${name}.csr`), '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(1000 + this.serial),
      '-out', this.file(`${name}.pem`), '-days', String(days), '-extfile', extfile]);
    return this.read(name);
  }

  private newKey(type: 'ec' | 'rsa', name: string): string[] {
    const options = type === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
    return [...options, '-nodes', '-keyout', this.file(`${name}.key`)];
  }

  private read(name: string): Issued {
    const certFile = this.file(`${name}.pem`);
    const keyFile = this.file(`${name}.key`);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }

  private next(): string {
    return `c${++this.serial}`;
  }

  file(name: string): string {
    return join(this.dir, name);
  }

  /** Writes `text` (e.g. several PEM certificates) to a file of this folder and returns its path. */
  write(name: string, text: string): string {
    writeFileSync(this.file(name), text);
    return this.file(name);
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
