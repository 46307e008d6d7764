/**
 * The sandbox's TLS material, made with Debian's `openssl`: one CA per sandbox (data plane), and one broker
 * certificate per SASL_SSL instance, shipped to the JVMs as a PKCS#12 keystore.
 *
 * Broker certificates carry IP SANs for every address a client may dial: the instance's listener IPs, both
 * client subnets `127.A.2.1-254` and `127.A.3.1-254` (where endpoint IPs are allocated), and 127.0.0.1.
 * Clients that verify hostnames therefore work too; the product's probe (like DMS clients, which set
 * `ssl.endpoint.identification.algorithm=`) verifies only the CA chain.
 *
 * Domain names: when an instance is asked to advertise names (`crossvpc/modify` with names as values), the data
 * plane issues the instance a new certificate that also carries those names as DNS SANs (same key password,
 * a new file) and the brokers reload it before they advertise the names (kafka-cluster.ts). The sandbox knows
 * nothing of the names' form: it names in the certificate exactly what it is asked to advertise.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr || String(error)}`);
  }
}

export interface SandboxCa {
  dir: string;
  caPemPath: string;
  caKeyPath: string;
  caPem: string;
}

/** Creates (or reuses, when already in `dir`) the sandbox CA. */
export async function ensureSandboxCa(dir: string): Promise<SandboxCa> {
  mkdirSync(dir, { recursive: true });
  const caPemPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca.key');
  if (!existsSync(caPemPath) || !existsSync(caKeyPath)) {
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKeyPath], dir);
    await openssl(
      [
        'req', '-x509', '-new', '-key', caKeyPath, '-sha256', '-days', '3650',
        '-subj', `/CN=kafka-crossvpc sandbox CA ${randomBytes(4).toString('hex')}`,
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-out', caPemPath,
      ],
      dir,
    );
  }
  return { dir, caPemPath, caKeyPath, caPem: readFileSync(caPemPath, 'utf8') };
}

/** Every IP of the two client subnets of an address block `127.A`: 127.A.2.1-254 and 127.A.3.1-254. */
export function clientSubnetIps(addressPrefix: string): string[] {
  const ips: string[] = [];
  for (const third of [2, 3]) for (let host = 1; host <= 254; host++) ips.push(`${addressPrefix}.${third}.${host}`);
  return ips;
}

export interface BrokerKeystore {
  path: string;
  password: string;
  type: 'PKCS12';
}

/**
 * Issues a broker certificate for `ips` (and `dnsNames`) signed by `ca` and packs key + chain into a PKCS#12
 * keystore in `<ca dir>/<folder ?? name>` (subject `CN=<name>`); `password`: keep a keystore password already
 * configured on the brokers. A reissue keeps the subject: Kafka refuses a dynamic keystore update that changes it.
 */
export async function issueBrokerKeystore(ca: SandboxCa, name: string, ips: string[], options: { dnsNames?: string[]; password?: string; folder?: string } = {}): Promise<BrokerKeystore> {
  const dir = join(ca.dir, options.folder ?? name);
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'broker.key');
  const csr = join(dir, 'broker.csr');
  const cert = join(dir, 'broker.pem');
  const ext = join(dir, 'san.ext');
  const p12 = join(dir, 'broker.p12');
  const password = options.password ?? randomBytes(12).toString('hex');
  const uniqueIps = [...new Set(['127.0.0.1', ...ips])];
  const dnsNames = [...new Set(['localhost', ...(options.dnsNames ?? [])])];
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement',
      'extendedKeyUsage=serverAuth,clientAuth',
      `subjectAltName=${[...dnsNames.map((n) => `DNS:${n}`), ...uniqueIps.map((ip) => `IP:${ip}`)].join(',')}`,
      '',
    ].join('\n'),
  );
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  await openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr], dir);
  await openssl(
    [
      'x509', '-req', '-in', csr, '-CA', ca.caPemPath, '-CAkey', ca.caKeyPath, '-set_serial',
      `0x${randomBytes(8).toString('hex')}`, '-sha256', '-days', '3650', '-extfile', ext, '-out', cert,
    ],
    dir,
  );
  await openssl(
    ['pkcs12', '-export', '-in', cert, '-inkey', key, '-certfile', ca.caPemPath, '-name', 'broker',
      '-passout', `pass:${password}`, '-out', p12],
    dir,
  );
  return { path: p12, password, type: 'PKCS12' };
}
