/**
 * Runs the real Temporal server (`temporal-server start`, built by scripts/ensure-temporal-server.sh) the way
 * the temporalio/server image of docker-compose.yml runs it: no config file, the embedded config template
 * filled from environment variables — the compose service's own environment, with only what differs outside
 * a container overridden: the database address, the bind address, the ports (so that nothing collides with
 * other servers on this machine) and the path of the dynamic config file.
 * `stop()` and `start()` keep the same environment and ports, so a restart looks like a container restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { TemporalServerTools } from './tool-paths.js';

export interface TemporalServerOptions {
  tools: TemporalServerTools;
  /** The `temporal` service's environment in docker-compose.yml (DB, DB_PORT, POSTGRES_*, …). */
  composeEnv: Record<string, string>;
  /** Where the database listens outside the container network. */
  database: { host: string; port: number };
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Holds temporal-server.log; the server's working directory. */
  dir: string;
  readyTimeoutMs?: number;
}

export interface RunningTemporalServer {
  /** Frontend gRPC `host:port`. */
  address: string;
  /** The exact environment the server runs with. */
  env: Record<string, string>;
  /** What was changed relative to the compose environment (for reports). */
  overrides: Record<string, string>;
  logFile: string;
  pid(): number | undefined;
  logTail(lines?: number): string;
  /** SIGTERM (the container stop signal), then waits; SIGKILL after 30 s. */
  stop(): Promise<void>;
  /** Starts it again with the same environment and waits until the frontend is SERVING. */
  start(): Promise<void>;
}

function listenOn(port: number, host: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host, exclusive: true }, () => resolve(srv));
  });
}

/**
 * `n` distinct free TCP ports on `host`, all below 32768: the server records its membership (ringpop) and
 * RPC ports in PostgreSQL as `smallint`, so a port from the kernel's ephemeral range (32768–60999) makes it
 * exit with `value "46015" is out of range for type smallint`. Held open together, then released.
 */
export async function freePorts(n: number, host = '127.0.0.1', range: [number, number] = [20_000, 32_767]): Promise<number[]> {
  const [low, high] = range;
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    const size = high - low + 1;
    const startAt = Math.floor(Math.random() * size);
    for (let i = 0; i < size && ports.length < n; i += 1) {
      const port = low + ((startAt + i) % size);
      const srv = await listenOn(port, host);
      if (!srv) continue;
      held.push(srv);
      ports.push(port);
    }
    if (ports.length < n) throw new Error(`only ${ports.length} free ports in ${low}-${high} on ${host}`);
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** The frontend answers the gRPC health check with SERVING. */
async function serving(address: string): Promise<boolean> {
  let conn: Connection | undefined;
  try {
    conn = await Connection.connect({ address, connectTimeout: 1_000 });
    const res = await conn.healthService.check({});
    return res.status === 1; // grpc.health.v1 SERVING
  } catch {
    return false;
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

export async function startTemporalServer(o: TemporalServerOptions): Promise<RunningTemporalServer> {
  const host = o.host ?? '127.0.0.1';
  const [grpc, http, fm, hg, hm, mg, mm, wg, wm] = await freePorts(9, host);
  const overrides: Record<string, string> = {
    POSTGRES_SEEDS: o.database.host,
    DB_PORT: String(o.database.port),
    // The template's visibility store reads POSTGRES_PORT (default 5432), not DB_PORT.
    POSTGRES_PORT: String(o.database.port),
    BIND_ON_IP: host,
    FRONTEND_GRPC_PORT: String(grpc),
    FRONTEND_HTTP_PORT: String(http),
    FRONTEND_MEMBERSHIP_PORT: String(fm),
    HISTORY_GRPC_PORT: String(hg),
    HISTORY_MEMBERSHIP_PORT: String(hm),
    MATCHING_GRPC_PORT: String(mg),
    MATCHING_MEMBERSHIP_PORT: String(mm),
    WORKER_GRPC_PORT: String(wg),
    WORKER_MEMBERSHIP_PORT: String(wm),
    DYNAMIC_CONFIG_FILE_PATH: o.tools.dynamicConfig,
  };
  const env = { ...o.composeEnv, ...overrides };
  const address = `${host}:${grpc}`;
  const logFile = join(o.dir, 'temporal-server.log');
  let child: ChildProcess | undefined;
  let exit: Promise<void> = Promise.resolve();

  const logTail = (lines = 20): string => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const alive = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  const stop = async (): Promise<void> => {
    if (!child || !alive()) return;
    const c = child;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(timer);
  };

  const start = async (): Promise<void> => {
    if (alive()) throw new Error(`temporal-server already running (pid ${child?.pid})`);
    const fd = openSync(logFile, 'a');
    // The image's entrypoint: `temporal-server start` (all services in one process, embedded config).
    const c = spawn(o.tools.server, ['start'], { env, cwd: o.dir, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child = c;
    exit = new Promise((r) => c.once('exit', () => r()));
    const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (!alive()) throw new Error(`temporal-server exited during start-up (code ${c.exitCode}):\n${logTail()}`);
      if (await serving(address)) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`temporal-server not SERVING at ${address} after ${o.readyTimeoutMs ?? 60_000} ms:\n${logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  await start();
  return { address, env, overrides, logFile, pid: () => (alive() ? child?.pid : undefined), logTail, stop, start };
}
