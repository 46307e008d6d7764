/**
 * A PostgreSQL cluster of its own — own data directory, own port on loopback — for the production-shaped
 * stack without Docker (test/ops/deployment.test.ts): `initdb` and `postgres` from Debian's `postgresql` run
 * as child processes; `stop()` shuts the server down (fast shutdown) and removes the directory.
 * Like the `postgres` image of docker-compose.yml, `user` is the superuser and TCP logins need its password
 * (scram-sha-256). PostgreSQL refuses to run as root: as root, the programs run as the `postgres` OS user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPostgresBindir } from './tool-paths.js';

const run = promisify(execFile);

export interface PostgresClusterOptions {
  user: string;
  password: string;
  /** Loopback address to listen on (default 127.0.0.1). */
  host?: string;
  port: number;
  /** Parent of the cluster's directory (default the OS temp dir). */
  parentDir?: string;
  readyTimeoutMs?: number;
}

export interface PostgresCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Holds data/, postgres.log and the Unix socket. */
  dir: string;
  logFile: string;
  /** Last lines of the server log (diagnostics). */
  logTail(lines?: number): string;
  /** Fast shutdown, then removes the directory (unless keep). Idempotent. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** The `postgres` OS user when running as root (PostgreSQL will not run as root); else the current user. */
function runAs(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('running as root, but there is no `postgres` OS user to run PostgreSQL as (apt-get install postgresql creates it)');
  return { uid: Number(uid), gid: Number(gid) };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function startPostgresCluster(o: PostgresClusterOptions): Promise<PostgresCluster> {
  const bindir = findPostgresBindir();
  const host = o.host ?? '127.0.0.1';
  const as = runAs();
  const ids = as ? { uid: as.uid, gid: as.gid } : {};
  const dir = mkdtempSync(join(o.parentDir ?? tmpdir(), 'crossvpc-pg-'));
  const dataDir = join(dir, 'data');
  const pwFile = join(dir, 'pwfile');
  const logFile = join(dir, 'postgres.log');
  writeFileSync(pwFile, `${o.password}\n`, { mode: 0o600 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwFile, as.uid, as.gid);
  }
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const logTail = (lines = 20): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  try {
    await run(join(bindir, 'initdb'), ['-D', dataDir, '-U', o.user, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      ...ids,
      env,
      cwd: dir,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as Error & { stderr?: string }).stderr ?? String(err)}`);
  }
  rmSync(pwFile, { force: true });

  const logFd = openSync(logFile, 'a');
  if (as) chownSync(logFile, as.uid, as.gid);
  const child = spawn(join(bindir, 'postgres'), ['-D', dataDir, '-c', `listen_addresses=${host}`, '-c', `port=${o.port}`, '-c', `unix_socket_directories=${dir}`], {
    ...ids,
    env,
    cwd: dir,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const gone = exited(child);

  let stopped: Promise<void> | undefined;
  const stop = (options: { keep?: boolean } = {}): Promise<void> =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
        const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
        await gone;
        clearTimeout(timer);
      }
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = logTail();
      await stop();
      throw new Error(`postgres exited during start-up (code ${child.exitCode}):\n${tail}`);
    }
    const ready = await run(join(bindir, 'pg_isready'), ['-q', '-h', host, '-p', String(o.port)], { env }).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`postgres not ready on ${host}:${o.port} after ${o.readyTimeoutMs ?? 30_000} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, port: o.port, user: o.user, password: o.password, dir, logFile, logTail, stop };
}
