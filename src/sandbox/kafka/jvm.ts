/**
 * Starting and stopping the sandbox's JVMs (Kafka brokers, ZooKeeper, tools), with:
 * - stdout/stderr appended to a log file (for debugging a failed test),
 * - a pid file per *address* (`$TMPDIR/crossvpc-sandbox-pids/<key>.pid`, the key naming the IP the JVM binds,
 *   which the address plan makes unique per machine), and the same key as a `-Dcrossvpc.sandbox.key=` JVM flag:
 *   a JVM orphaned by an earlier run that was killed outright (no 'exit' hook ran) is killed before a new one
 *   tries to bind the same addresses, whatever work dir either used,
 * - a process 'exit' hook that SIGKILLs every JVM still running when the Node parent exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** JVM flags for small, fast-starting sandbox processes. */
export function jvmFlags(heapMb: { min: number; max: number }): string[] {
  return [
    `-Xms${heapMb.min}m`,
    `-Xmx${heapMb.max}m`,
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-XX:+ExitOnOutOfMemoryError',
    '-Xss512k',
    '-Djava.awt.headless=true',
    '-Djava.net.preferIPv4Stack=true',
  ];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface JvmProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnJvmOptions {
  name: string;
  /** JVM flags, then `-cp`, main class and its arguments. */
  javaArgs: string[];
  /** Directory for `<name>.log`. */
  dir: string;
  /** Unique per machine (e.g. `broker-127.21.10.11`): names the pid file and marks the JVM's command line. */
  key: string;
  env?: NodeJS.ProcessEnv;
}

const pidDir = join(tmpdir(), 'crossvpc-sandbox-pids');

/** Kills a process left behind by an earlier run (recorded in a pid file) if its command line matches. */
export function killStale(pidFile: string, marker: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.split('\0').includes(marker)) process.kill(pid, 'SIGKILL');
  } catch {
    // no such process
  }
}

export function spawnJvm(options: SpawnJvmOptions): JvmProcess {
  installExitHook();
  const logPath = join(options.dir, `${options.name}.log`);
  mkdirSync(pidDir, { recursive: true });
  const safeKey = options.key.replace(/[^A-Za-z0-9_.-]/g, '_');
  const pidFile = join(pidDir, `${safeKey}.pid`);
  const marker = `-Dcrossvpc.sandbox.key=${safeKey}`;
  killStale(pidFile, marker);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn('java', [marker, ...options.javaArgs], {
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name} (java not found?)`);
  writeFileSync(pidFile, `${pid}\n`);
  live.add(child);
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      try {
        if (readFileSync(pidFile, 'utf8').trim() === String(pid)) rmSync(pidFile, { force: true });
      } catch {
        // already gone
      }
      resolve({ code, signal });
    });
  });
  child.once('error', () => {
    // surfaced through `exited`; spawn errors also emit 'exit' or leave pid undefined
  });
  return {
    name: options.name,
    pid,
    logPath,
    exited,
    isRunning: () => running,
    async stop(graceMs = 10_000) {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Runs a JVM tool to completion; rejects with the tail of its log on a non-zero exit. */
export async function runJvmTool(options: SpawnJvmOptions): Promise<void> {
  const proc = spawnJvm(options);
  const { code, signal } = await proc.exited;
  if (code !== 0) {
    const tail = readFileSync(proc.logPath, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`${options.name} failed (code ${String(code)}, signal ${String(signal)}):\n${tail}`);
  }
}

/** Last lines of a log file, for error messages. */
export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
