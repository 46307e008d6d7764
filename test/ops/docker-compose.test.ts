import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, temporalServerVersion } from '../../src/devtools/tool-paths.js';
import { WORKER_PROCESS_ENV } from '../../worker/process-settings.js';
import { composeCheck, entrypointScript, loadCompose, service, serviceEnv } from './support.js';

// No Docker engine runs here: docker-compose.yml is validated with compose-go (the loader Docker
// Compose uses: Compose Specification schema + semantic checks), built by scripts/ensure-tools.sh.
// test/ops/deployment.test.ts runs the same Temporal services without Docker.

/** The Dockerfile's worker stage (the image compose builds for the worker). */
function dockerWorkerStage(): string {
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  return dockerfile.slice(dockerfile.indexOf('FROM base AS worker'));
}

describe('docker-compose.yml', () => {
  it('is a valid Compose project with Temporal on PostgreSQL, the UI and the worker built from the Dockerfile', () => {
    const project = loadCompose();
    expect(Object.keys(project.services).sort()).toEqual(['postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(service(project, 'temporal').environment?.DB).toBe('postgres12');
    const worker = service(project, 'worker');
    expect(worker.build?.target).toBe('worker');
    expect(worker.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(worker.environment?.TEMPORAL_TASK_QUEUE).toBe('kafka-crossvpc');
  });

  it('the worker serves metrics on 9464 and its healthcheck (compose and Dockerfile) asks /readyz there', () => {
    const worker = service(loadCompose(), 'worker');
    const cmd = worker.command ?? [];
    expect(cmd[cmd.indexOf('--metrics-port') + 1]).toBe('9464');
    expect(cmd[cmd.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
    expect(worker.healthcheck?.test?.join(' ')).toContain('http://127.0.0.1:9464/readyz');
    const workerStage = dockerWorkerStage();
    expect(workerStage).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD \[.*http:\/\/127\.0\.0\.1:9464\/readyz/);
    expect(workerStage).toMatch(/CMD \["--metrics-port", "9464", "--metrics-host", "0\.0\.0\.0"\]/);
  });

  it('the worker image starts its process with the worker process environment the benchmarks measure', () => {
    const workerStage = dockerWorkerStage();
    const env = Object.fromEntries([...workerStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(WORKER_PROCESS_ENV).length).toBeGreaterThan(0);
    expect(env).toMatchObject(WORKER_PROCESS_ENV);
    // Compose runs the image as built: nothing there replaces the process environment.
    const worker = service(loadCompose(), 'worker');
    for (const name of Object.keys(WORKER_PROCESS_ENV)) expect(worker.environment?.[name]).toBeUndefined();
  });

  it('runs temporalio/server with the schema from temporal-sql-tool (temporalio/admin-tools), no auto-setup, at the version the local stack builds', () => {
    const project = loadCompose();
    const version = temporalServerVersion();
    expect(version).toMatch(/^1\.(29|30)\.\d+$/);
    expect(Object.values(project.services).map((s) => s.image ?? '')).not.toContainEqual(expect.stringContaining('auto-setup'));
    expect(service(project, 'temporal').image).toBe(`temporalio/server:${version}`);
    expect(service(project, 'temporal-schema').image).toBe(`temporalio/admin-tools:${version}`);
    expect(service(project, 'temporal-setup').image).toBe(`temporalio/admin-tools:${version}`);
  });

  it('starts in order: database healthy → schema done → server → namespace and search attributes done → worker', () => {
    const project = loadCompose();
    expect(service(project, 'temporal-schema').depends_on?.postgresql?.condition).toBe('service_healthy');
    expect(service(project, 'temporal').depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(service(project, 'temporal-setup').depends_on?.temporal?.condition).toBe('service_started');
    expect(service(project, 'worker').depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
  });

  it('points the schema tool and the server at the same database with the same credentials', () => {
    const project = loadCompose();
    const db = serviceEnv(project, 'postgresql');
    const schema = serviceEnv(project, 'temporal-schema');
    const server = serviceEnv(project, 'temporal');
    expect(schema.SQL_PLUGIN).toBe(server.DB);
    expect([schema.SQL_HOST, server.POSTGRES_SEEDS]).toEqual(['postgresql', 'postgresql']);
    expect(schema.SQL_PORT).toBe(server.DB_PORT);
    expect([schema.SQL_USER, server.POSTGRES_USER]).toEqual([db.POSTGRES_USER, db.POSTGRES_USER]);
    expect([schema.SQL_PASSWORD, server.POSTGRES_PWD]).toEqual([db.POSTGRES_PASSWORD, db.POSTGRES_PASSWORD]);
    // The schema the admin-tools image ships for the v12 plugins.
    expect(schema.TEMPORAL_SCHEMA_DIR).toBe('/etc/temporal/schema/postgresql/v12');
  });

  it('mounts the repository files the deployment test runs: the setup scripts and the dynamic config', () => {
    const project = loadCompose();
    expect(entrypointScript(project, 'temporal-schema')).toBe(join(projectRoot, 'scripts', 'temporal-schema.sh'));
    expect(entrypointScript(project, 'temporal-setup')).toBe(join(projectRoot, 'scripts', 'temporal-namespace.sh'));
    const server = service(project, 'temporal');
    const dynamic = server.volumes?.find((v) => v.target === server.environment?.DYNAMIC_CONFIG_FILE_PATH);
    expect(dynamic?.source).toBe(join(projectRoot, 'tools', 'temporal-server', 'dynamicconfig.yaml'));
    expect(dynamic?.read_only).toBe(true);
    for (const v of Object.values(project.services).flatMap((s) => s.volumes ?? []).filter((x) => x.type === 'bind')) {
      expect(existsSync(v.source ?? ''), v.source).toBe(true);
    }
    expect(serviceEnv(project, 'temporal-setup').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('adds the sandbox only with --profile sandbox', () => {
    const project = loadCompose(['sandbox']);
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
