/**
 * `crossvpc sandbox`: runs the OTC emulator (and, unless --no-kafka, the real Kafka data plane), prints ONE
 * JSON ready line on stdout, then serves until SIGINT/SIGTERM and stops cleanly.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ScenarioError } from '../../sandbox/scenario/load.js';
import { StateFileError } from '../../sandbox/state/persistence.js';
import { startSandbox, type ReadyLine, type StartSandboxOptions } from '../../sandbox/start-sandbox.js';
import { HELP_FLAG, flag } from '../args.js';
import { parseFlags } from '../output.js';
import { ExitCode } from '../exit-codes.js';

export const summary = 'run the local OTC emulator (IAM, VPCEP, DMS, VPC) with a real Kafka data plane';

const spec = {
  name: 'sandbox',
  summary: `${summary}. Serves until SIGINT/SIGTERM, then stops cleanly. Exit code: 0 stopped, 1 failed, 2 bad flags or scenario.`,
  flags: {
    scenario: { type: 'string', value: 'default|FILE', description: "'default' (built in) or a JSON/YAML scenario file" },
    port: { type: 'string', value: 'N', description: 'IAM on N, VPCEP N+1, DMS N+2, VPC N+3, admin N+4 (default: random free ports)' },
    'no-kafka': { type: 'boolean', description: 'no brokers; endpoint listeners still open and refuse connections' },
    'address-prefix': { type: 'string', value: '127.A', description: "the sandbox's loopback block 127.A (default 127.10)" },
    seed: { type: 'string', value: 'N', description: 'seed for generated ids, credentials and fault dice' },
    'clouds-yaml': { type: 'string', value: 'FILE', description: 'write a clouds.yaml with one cloud per sandbox account (sandbox-<account>)' },
    'state-file': {
      type: 'string',
      value: 'FILE',
      description: 'keep the cloud state in FILE: a restart with the same FILE comes back as the same cloud (resources, ids, tokens, address block, ports)',
    },
    ...HELP_FLAG,
  },
  env: {
    KAFKA_LIBS: 'folder of the Kafka jars (default .tools/kafka/libs; not read with --no-kafka)',
  },
  schema: z
    .object({
      scenario: z.string().default('default'),
      port: z
        .string()
        .refine((v) => {
          const n = Number(v);
          return Number.isInteger(n) && n >= 1 && n <= 65530;
        }, { error: (i) => `--port must be an integer 1..65530, got ${String(i.input)}` })
        .transform(Number)
        .optional(),
      'no-kafka': z.boolean().default(false),
      'address-prefix': z.string().optional(),
      seed: z
        .string()
        .regex(/^-?\d+$/, { error: (i) => `--seed must be an integer, got ${String(i.input)}` })
        .transform(Number)
        .optional(),
      'clouds-yaml': z.string().optional(),
      'state-file': z.string().min(1).optional(),
      help: flag.bool,
    })
    .strict(),
  notes: [
    'Prints one JSON line when ready (endpoints, admin URL, accounts with AK/SK and password, instances,',
    'client networks), then serves until SIGINT/SIGTERM.',
    'With --state-file an existing FILE fixes the scenario, seed, address prefix and ports (a flag that',
    'contradicts it is a usage error, exit 2); stop the sandbox and start it again to make the cloud',
    'unreachable for a while without losing what was created.',
  ],
} as const;

/** One cloud entry per account, as openstacksdk / python-otcextensions read them (ak/sk at cloud level). */
export function cloudsYaml(ready: ReadyLine): string {
  const clouds: Record<string, unknown> = {};
  for (const a of ready.accounts) {
    clouds[`sandbox-${a.name.toLowerCase()}`] = {
      region_name: ready.region,
      interface: 'public',
      identity_api_version: 3,
      auth_type: 'password',
      auth: {
        auth_url: ready.authUrl,
        username: a.username,
        password: a.password,
        project_name: a.projectName,
        user_domain_name: a.domainName,
        project_domain_name: a.domainName,
      },
      ak: a.ak,
      sk: a.sk,
      project_id: a.projectId,
      domain_id: a.domainId,
    };
  }
  return `# Written by crossvpc sandbox (${ready.scenario}); valid while that sandbox runs.\n${stringify({ clouds })}`;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const values = parsed.args;
  const options: StartSandboxOptions = { kafka: !values['no-kafka'] };
  // With a state file that exists, the scenario comes from it unless one is named explicitly.
  if (values.scenario !== 'default' || !values['state-file'] || !existsSync(values['state-file'])) options.scenario = values.scenario;
  if (values['state-file'] !== undefined) options.stateFile = values['state-file'];
  if (values.port !== undefined) options.port = values.port;
  if (values.seed !== undefined) options.seed = values.seed;
  if (values['address-prefix'] !== undefined) options.addressPrefix = values['address-prefix'];

  let sandbox;
  try {
    sandbox = await startSandbox(options);
  } catch (err) {
    const usage = err instanceof ScenarioError || err instanceof StateFileError || (err instanceof Error && /addressPrefix|port .* in use/.test(err.message));
    process.stderr.write(`crossvpc sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    return usage ? ExitCode.Usage : ExitCode.Failed;
  }
  const running = sandbox;
  if (values['clouds-yaml']) {
    try {
      writeFileSync(values['clouds-yaml'], cloudsYaml(running.ready), { mode: 0o600 });
    } catch (err) {
      process.stderr.write(`crossvpc sandbox: cannot write ${values['clouds-yaml']}: ${(err as Error).message}\n`);
      await running.stop();
      return ExitCode.Failed;
    }
  }
  process.stdout.write(`${JSON.stringify(running.ready)}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`crossvpc sandbox: ${signal}, stopping\n`);
      running.stop().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`crossvpc sandbox: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
