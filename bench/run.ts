/**
 * `npm run bench`: every benchmark, one after the other (they share loopback addresses and CPU), each as
 * its own process so its peak memory is its own. Prints each benchmark's output and a summary with wall
 * time and peak RSS (from /proc) per benchmark. Figures are for this machine; compare runs on one machine.
 *   npm run bench                 # all
 *   npm run bench -- control      # only those whose name contains "control"
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Bench {
  name: string;
  args: string[];
}

const benches: Bench[] = [
  { name: 'control-plane-latency', args: ['bench/control-plane-latency.ts', '--seconds', '10', '--concurrency', '8'] },
  { name: 'signature-verification (sandbox AK/SK verify per request, before/after its own verifier)', args: ['bench/signature-verification.ts', '--n', '50000'] },
  { name: 'dataplane (sandbox Kafka cold start, advertised-IP change)', args: ['bench/dataplane.bench.ts', '--what', 'dataplane', '--rounds', '3'] },
  { name: 'provisioning (default scenario, wall time, history events, API calls)', args: ['bench/provisioning-figures.ts'] },
  { name: 'cli-startup (crossvpc --help, status to its first network call)', args: ['bench/cli-startup.ts', '--runs', '5'] },
  {
    name: 'provisioning-scale (critical-path ratio at 3/12/30 brokers, realistic 60 s settles, provision --wait with Kafka, one access, N=50/200/500 at once; JSON in bench-results/)',
    args: ['bench/provisioning-scale.ts', '--part', 'ratio,realistic,cli,one,scale', '--n', '50,200,500', '--side', '4', '--runs', '3'],
  },
];

function peakRssKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const filter = process.argv[2];
const summary: { bench: string; wallMs: number; peakRssMb: number; exit: number | null }[] = [];
for (const b of benches.filter((x) => !filter || x.name.includes(filter))) {
  process.stdout.write(`\n=== ${b.name}\n`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...b.args], { stdio: ['ignore', 'inherit', 'inherit'] });
  let peak = 0;
  const timer = setInterval(() => {
    if (child.pid) peak = Math.max(peak, peakRssKb(child.pid));
  }, 200);
  const exit = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(timer);
  summary.push({ bench: b.name, wallMs: Math.round(performance.now() - started), peakRssMb: Math.round(peak / 1024), exit });
}
process.stdout.write(`\n${JSON.stringify({ summary }, null, 2)}\n`);
process.exitCode = summary.some((s) => s.exit !== 0) ? 1 : 0;
