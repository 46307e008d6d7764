/**
 * Runs `temporal server start-dev` as a child process and waits until its frontend answers.
 * Used by the tests' global setup and by `crossvpc dev`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from './sdk.js';
import { findTemporalCli } from '../devtools/tool-paths.js';

export interface DevServerOptions {
  ip?: string;
  port?: number;
  /** Web UI port; undefined means headless. */
  uiPort?: number;
  /** SQLite file; in-memory when undefined. */
  dbFilename?: string;
  namespace?: string;
  /** `Name=Type` pairs registered at start, e.g. `CrossVpcInstanceId=Keyword`. */
  searchAttributes?: string[];
  readyTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'error'];
  args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
  // One partition per task queue: a queue's activity rate limit then bursts once, not once per partition
  // (docs/decisions/rate-limit.md); a dev server has no load that needs more.
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1', '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
  else args.push('--headless');
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const sa of options.searchAttributes ?? []) args.push('--search-attribute', sa);
  const child = spawn(findTemporalCli(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const address = `${ip}:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal dev server exited early (code ${code}): ${stderr}`))),
  );
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const ready = (async () => {
    for (;;) {
      try {
        const conn = await Connection.connect({ address, connectTimeout: 1000 });
        await conn.workflowService.getSystemInfo({});
        await conn.close();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`temporal dev server not ready at ${address}: ${String(err)} ${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  exited.catch(() => undefined);
  return {
    address,
    namespace,
    uiUrl: options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
