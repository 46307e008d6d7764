/**
 * Start-up of the `crossvpc` command (issue 11: under 300 ms): median and min of N runs of
 *   - `crossvpc --help` (process start → exit);
 *   - `crossvpc status --instance-id …` up to its FIRST NETWORK CALL: TEMPORAL_ADDRESS points at a local TCP
 *     listener, and the time is taken when the command's connection arrives (then the process is killed);
 *   - `crossvpc status` to the end against a real dev server (NotFound: two RPCs on loopback);
 * each for the compiled build (dist/, what the bin runs when it is current) and for the TypeScript sources
 * through tsx (CROSSVPC_FROM_SOURCE=1, what every start did before the build existed), plus `node -e 0`
 * as the machine's floor. CPU is user+sys of the process (from /proc, less sensitive to a busy machine).
 *
 *   npx tsx bench/cli-startup.ts [--runs 5] [--cli PATH ...]   (--cli: also another checkout's launcher, as it is)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildIsCurrent } from '../src/devtools/build-state.js';
import { projectRoot } from '../src/devtools/tool-paths.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { searchAttributeRegistrations } from '../workflows/search-attributes.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
/** `--cli PATH` (repeatable): other checkouts' launchers, measured as they are beside this one's. */
const OTHER_CLIS = process.argv.flatMap((a, i) => (a === '--cli' && process.argv[i + 1] ? [process.argv[i + 1] as string] : []));
const CLI = join(projectRoot, 'src', 'cli', 'crossvpc.mjs');
const CLK_TCK = 100;

/** user+sys of a process in ms, read just before it is reaped (`/proc/<pid>/stat` fields 14, 15). */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

interface Sample {
  wallMs: number;
  cpuMs?: number;
}

/** Runs the command to its exit. */
function toExit(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    let cpu: number | undefined;
    const poll = setInterval(() => {
      if (child.pid) cpu = cpuMs(child.pid) ?? cpu;
    }, 5);
    child.on('exit', () => {
      clearInterval(poll);
      resolve({ wallMs: performance.now() - t0, ...(cpu !== undefined ? { cpuMs: cpu } : {}) });
    });
  });
}

/** Runs the command until it opens its first TCP connection (to a listener standing in for Temporal). */
async function toFirstConnection(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, stdio: 'ignore' });
    server.once('connection', (socket) => {
      const wallMs = performance.now() - t0;
      const cpu = child.pid ? cpuMs(child.pid) : undefined;
      socket.destroy();
      child.kill('SIGKILL');
      server.close();
      resolve({ wallMs, ...(cpu !== undefined ? { cpuMs: cpu } : {}) });
    });
  });
}

function stats(samples: Sample[]): string {
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const wall = samples.map((s) => s.wallMs);
  const cpu = samples.flatMap((s) => (s.cpuMs !== undefined ? [s.cpuMs] : []));
  return `median ${med(wall).toFixed(0)} ms (min ${Math.min(...wall).toFixed(0)})${cpu.length ? `, cpu median ${med(cpu).toFixed(0)} ms` : ''}`;
}

if (!buildIsCurrent()) {
  process.stderr.write('dist/ is missing or older than the sources: run `npm run build` first\n');
  process.exit(2);
}
const server = await startDevServer({ searchAttributes: [...searchAttributeRegistrations] });
try {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: server.address };
  // [label, launcher, env]: measured round-robin (one run of each in turn), so a busy machine's load
  // changes hit every variant alike.
  const variants: [string, string, NodeJS.ProcessEnv][] = [
    ...OTHER_CLIS.map((cli): [string, string, NodeJS.ProcessEnv] => [cli, cli, base]),
    ['compiled (dist/)', CLI, base],
    ['sources through tsx', CLI, { ...base, CROSSVPC_FROM_SOURCE: '1' }],
  ];
  const rows: Record<string, string> = {};
  const measure = async (what: string, run: (cli: string, env: NodeJS.ProcessEnv) => Promise<Sample>, only: typeof variants = variants): Promise<void> => {
    for (const [, cli, env] of only) await run(cli, env); // warm the file cache
    const samples = new Map<string, Sample[]>(only.map(([label]) => [label, []]));
    for (let i = 0; i < RUNS; i += 1) {
      const order = i % 2 === 0 ? only : [...only].reverse();
      for (const [label, cli, env] of order) samples.get(label)?.push(await run(cli, env));
    }
    for (const [label] of only) {
      const line = `${what}, ${label}: ${stats(samples.get(label) ?? [])}`;
      rows[`${what}, ${label}`] = stats(samples.get(label) ?? []);
      process.stdout.write(`${line}\n`);
    }
  };
  await measure('node -e 0 (floor)', () => toExit(['-e', '0'], base), [['node', '', base]]);
  await measure('crossvpc --help', (cli, env) => toExit([cli, '--help'], env));
  await measure('crossvpc status → first network call', (cli, env) => toFirstConnection([cli, 'status', '--instance-id', 'bench-nope'], env));
  await measure('crossvpc status → exit (dev server, NotFound)', (cli, env) => toExit([cli, 'status', '--instance-id', 'bench-nope'], env));
  process.stdout.write(`${JSON.stringify({ runs: RUNS, node: process.version, rows })}\n`);
} finally {
  await server.stop();
}
