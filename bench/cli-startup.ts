/**
 * Start-up of the `crossvpc` command (issue 11: under 300 ms): median and min of N runs of
 *   - `crossvpc --help` (process start → exit);
 *   - `crossvpc status --instance-id …` up to its FIRST NETWORK CALL: TEMPORAL_ADDRESS points at a local TCP
 *     listener, and the time is taken when the command's connection arrives (then the process is killed);
 *   - `crossvpc status` to the end against a real dev server (NotFound: two RPCs on loopback);
 * each for the compiled build started from its V8 start-up snapshot (what the bin runs when both are current,
 * docs/decisions/cli-snapshot.md), the compiled build without it (CROSSVPC_NO_SNAPSHOT=1), and the TypeScript sources
 * through tsx (CROSSVPC_FROM_SOURCE=1, what every start did before the build existed), plus `node -e 0`
 * as the machine's floor. CPU is user+sys of the process (from /proc, less sensitive to a busy machine).
 *
 *   npx tsx bench/cli-startup.ts [--runs 5] [--cli PATH ...]   (--cli: also another checkout's launcher, as it is)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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

/** `/proc/<pid>/stat` fields after the command name. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/** The live children of a process (the launcher runs a command from the snapshot in a child). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').flatMap((d) => (/^\d+$/.test(d) && statFields(Number(d))?.[1] === String(pid) ? [Number(d)] : []));
}

/** user+sys in ms of a process and its live descendants, read just before they are reaped (stat fields 14, 15). */
function cpuMs(pid: number): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  const own = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  return childrenOf(pid).reduce((sum, c) => sum + (cpuMs(c) ?? 0), own);
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
    let cpu: number | undefined; // (with a snapshot child: the sum while both live, so a lower bound)
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
    // Its own process group, so the kill reaches a snapshot child too.
    const child = spawn(process.execPath, args, { env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${port}` }, stdio: 'ignore', detached: true });
    server.once('connection', (socket) => {
      const wallMs = performance.now() - t0;
      const cpu = child.pid ? cpuMs(child.pid) : undefined;
      socket.destroy();
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
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
    ['compiled, from the start-up snapshot (default)', CLI, base],
    ['compiled (dist/), CROSSVPC_NO_SNAPSHOT=1', CLI, { ...base, CROSSVPC_NO_SNAPSHOT: '1' }],
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
