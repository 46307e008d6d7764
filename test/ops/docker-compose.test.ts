import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/devtools/tool-paths.js';

// No Docker engine runs here: docker-compose.yml is validated with compose-go (the loader Docker
// Compose uses: Compose Specification schema + semantic checks), built by scripts/ensure-tools.sh.
const composeCheck = join(projectRoot, '.tools', 'compose-check');

interface ComposeProject {
  services: Record<string, { network_mode?: string; image?: string; build?: { context: string; target?: string }; environment?: Record<string, string | null>; depends_on?: Record<string, { condition: string }>; profiles?: string[] }>;
}

function load(profiles: string[] = []): ComposeProject {
  const args = ['-f', join(projectRoot, 'docker-compose.yml'), ...profiles.flatMap((p) => ['--profile', p])];
  return JSON.parse(execFileSync(composeCheck, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })) as ComposeProject;
}

describe('docker-compose.yml', () => {
  it('is a valid Compose project with Temporal on PostgreSQL, the UI and the worker built from the Dockerfile', () => {
    const project = load();
    expect(Object.keys(project.services).sort()).toEqual(['postgresql', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(project.services.temporal?.environment?.DB).toBe('postgres12');
    expect(project.services.temporal?.depends_on?.postgresql?.condition).toBe('service_healthy');
    const worker = project.services.worker;
    expect(worker?.build?.target).toBe('worker');
    expect(worker?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(worker?.environment?.TEMPORAL_TASK_QUEUE).toBe('kafka-crossvpc');
  });

  it('adds the sandbox only with --profile sandbox', () => {
    const project = load(['sandbox']);
    expect(project.services.sandbox?.build?.target).toBe('sandbox');
    // Loopback-only emulated hosts: the sandbox must share the worker's network namespace.
    expect(project.services.sandbox?.network_mode).toBe('service:worker');
  });

  it('rejects an invalid file (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    const bad = join(dir, 'docker-compose.yml');
    writeFileSync(bad, 'services:\n  worker:\n    image: x\n    depends_on: [missing]\n    restart: sometimes-maybe\n');
    const run = spawnSync(composeCheck, ['-f', bad], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/missing|restart|invalid/i);
  });
});
