/**
 * Support of the operations tests: docker-compose.yml as Docker Compose resolves it (compose-go, built by
 * scripts/ensure-tools.sh), and the same stack run without Docker — PostgreSQL of its own, the schema and
 * namespace scripts that compose mounts into temporalio/admin-tools, the real `temporal-server` with the
 * compose service's environment — plus `crossvpc worker` processes configured from a sandbox's ready line.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sandboxEnv } from '../../src/cli/dev/stack.js';
import { startPostgresCluster, type PostgresCluster } from '../../src/devtools/postgres-cluster.js';
import { startTemporalServer, type RunningTemporalServer } from '../../src/devtools/temporal-server.js';
import { findTemporalCli, findTemporalServer, projectRoot, type TemporalServerTools } from '../../src/devtools/tool-paths.js';
import { freePort } from '../../src/temporal/dev-server.js';
import type { ReadyLine } from '../../src/sandbox/start-sandbox.js';
import { WORKER_PROCESS_ENV } from '../../worker/process-settings.js';

const run = promisify(execFile);

// ---- docker-compose.yml, resolved by compose-go -------------------------------------------------------

export const composeCheck = join(projectRoot, '.tools', 'compose-check');

export interface ComposeVolume {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  entrypoint?: string[] | null;
  command?: string[] | null;
  volumes?: ComposeVolume[];
  profiles?: string[];
  network_mode?: string;
  ports?: { target: number; published?: string }[];
  healthcheck?: { test?: string[] };
}

export interface ComposeProject {
  services: Record<string, ComposeService>;
}

/** docker-compose.yml as `docker compose config` would resolve it (defaults of `${VAR:-x}` applied). */
export function loadCompose(profiles: string[] = []): ComposeProject {
  const args = ['-f', join(projectRoot, 'docker-compose.yml'), ...profiles.flatMap((p) => ['--profile', p])];
  return JSON.parse(execFileSync(composeCheck, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as ComposeProject;
}

export function service(project: ComposeProject, name: string): ComposeService {
  const s = project.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

/** A service's environment with every variable set (compose's `KEY:` without a value drops out). */
export function serviceEnv(project: ComposeProject, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(project, name).environment ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** The host file a service runs as its entrypoint script (`sh /in/container.sh`, bind-mounted from the repo). */
export function entrypointScript(project: ComposeProject, name: string): string {
  const s = service(project, name);
  const script = s.entrypoint?.[1];
  const mount = s.volumes?.find((v) => v.type === 'bind' && v.target === script);
  if (s.entrypoint?.[0] !== 'sh' || !mount?.source) throw new Error(`service ${name} does not run a bind-mounted script with sh`);
  return mount.source;
}

// ---- the same stack without Docker --------------------------------------------------------------------

export interface ProductionStack {
  tools: TemporalServerTools;
  postgres: PostgresCluster;
  server: RunningTemporalServer;
  namespace: string;
  /** What the compose setup scripts printed (schema, namespace + search attributes). */
  setupLog: string[];
  dir: string;
  stop(): Promise<void>;
}

async function sh(script: string, env: Record<string, string>): Promise<string> {
  try {
    // stdout: the script's own lines; stderr: the tools' logs (shown only on failure).
    const r = await run('sh', [script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    return r.stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`sh ${script} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * docker-compose.yml's Temporal services, in compose's order and with compose's environments:
 * postgresql → temporal-schema (its script) → temporal (the server binary) → temporal-setup (its script).
 * Only addresses, ports and in-image paths are replaced by their local equivalents.
 */
export async function startProductionStack(): Promise<ProductionStack> {
  const project = loadCompose();
  const tools = findTemporalServer();
  const cli = findTemporalCli();
  const dir = mkdtempSync(join(tmpdir(), 'crossvpc-stack-'));
  const setupLog: string[] = [];
  const db = serviceEnv(project, 'postgresql');
  const postgres = await startPostgresCluster({ user: db.POSTGRES_USER ?? 'temporal', password: db.POSTGRES_PASSWORD ?? '', port: await freePort() });
  let server: RunningTemporalServer | undefined;
  try {
    setupLog.push(
      await sh(entrypointScript(project, 'temporal-schema'), {
        ...serviceEnv(project, 'temporal-schema'),
        SQL_HOST: postgres.host,
        SQL_PORT: String(postgres.port),
        TEMPORAL_SCHEMA_DIR: tools.schemaDir,
        TEMPORAL_SQL_TOOL: tools.sqlTool,
      }),
    );
    server = await startTemporalServer({ tools, composeEnv: serviceEnv(project, 'temporal'), database: postgres, dir });
    const setupEnv = serviceEnv(project, 'temporal-setup');
    setupLog.push(await sh(entrypointScript(project, 'temporal-setup'), { ...setupEnv, TEMPORAL_ADDRESS: server.address, TEMPORAL_CLI: cli }));
    const running = server;
    return {
      tools,
      postgres,
      server: running,
      namespace: setupEnv.TEMPORAL_NAMESPACE ?? 'default',
      setupLog,
      dir,
      async stop() {
        await running.stop();
        await postgres.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const tail = server?.logTail() ?? '';
    await server?.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}${tail ? `\n--- temporal-server.log\n${tail}` : ''}`);
  }
}

// ---- crossvpc worker processes ------------------------------------------------------------------------

const CLI = fileURLToPath(new URL('../../src/cli/crossvpc.mjs', import.meta.url));

export interface WorkerProcess {
  pid: number;
  /** The SDK's default worker identity, `<pid>@<hostname>` (what Temporal records on tasks it runs). */
  identity: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the signal or code the process ended with. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/**
 * `node src/cli/crossvpc.mjs worker` configured like an operator would configure it: OTC_* from the sandbox's
 * ready line (account A = default set, B = `client`), TEMPORAL_* for the server, and the process environment the
 * worker image sets (worker/process-settings.ts). Resolves once both workers (main and verify) say they poll.
 */
export async function startWorkerProcess(ready: ReadyLine, temporal: { address: string; namespace: string; taskQueue: string }): Promise<WorkerProcess> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...WORKER_PROCESS_ENV, ...sandboxEnv(ready, temporal) };
  const child = spawn(process.execPath, [CLI, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const append = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const pid = child.pid;
  if (pid === undefined) throw new Error('crossvpc worker did not start');
  const deadline = Date.now() + 120_000;
  while (!/crossvpc worker: main on /.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`crossvpc worker exited (code ${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`crossvpc worker not polling after 120 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid,
    identity: `${pid}@${hostname()}`,
    child,
    output: () => out,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** SIGTERM (graceful), SIGKILL after 40 s; resolves when it is gone. */
export async function stopWorkerProcess(w: WorkerProcess): Promise<void> {
  if (!w.alive()) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 40_000);
  await w.exited;
  clearTimeout(timer);
}
