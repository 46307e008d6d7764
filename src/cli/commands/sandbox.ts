/**
 * `crossvpc sandbox`: runs the OTC emulator (and, unless --no-kafka, the real Kafka data plane), prints ONE
 * JSON ready line on stdout, then serves until SIGINT/SIGTERM and stops cleanly.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { ScenarioError } from '../../sandbox/scenario/load.js';
import { startSandbox, type ReadyLine, type StartSandboxOptions } from '../../sandbox/start-sandbox.js';

export const summary = 'run the local OTC emulator (IAM, VPCEP, DMS, VPC) with a real Kafka data plane';

const HELP = `usage: crossvpc sandbox [--scenario default|FILE] [--port N] [--no-kafka] [--address-prefix 127.A]
                        [--seed N] [--clouds-yaml FILE]

  --scenario        'default' (built in) or a JSON/YAML scenario file
  --port N          IAM on N, VPCEP N+1, DMS N+2, VPC N+3, admin N+4 (default: random free ports)
  --no-kafka        no brokers; endpoint listeners still open and refuse connections
  --address-prefix  the sandbox's loopback block 127.A (default 127.10)
  --seed N          seed for generated ids, credentials and fault dice
  --clouds-yaml F   write a clouds.yaml with one cloud per sandbox account (sandbox-<account>)

Prints one JSON line when ready (endpoints, admin URL, accounts with AK/SK and password, instances,
client networks), then serves until SIGINT/SIGTERM.`;

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
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', default: 'default' },
        port: { type: 'string' },
        'no-kafka': { type: 'boolean', default: false },
        'address-prefix': { type: 'string' },
        seed: { type: 'string' },
        'clouds-yaml': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`crossvpc sandbox: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options: StartSandboxOptions = { scenario: values.scenario, kafka: !values['no-kafka'] };
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65530) {
      process.stderr.write(`crossvpc sandbox: --port must be an integer 1..65530, got ${values.port}\n`);
      return 2;
    }
    options.port = port;
  }
  if (values.seed !== undefined) {
    if (!/^-?\d+$/.test(values.seed)) {
      process.stderr.write(`crossvpc sandbox: --seed must be an integer, got ${values.seed}\n`);
      return 2;
    }
    options.seed = Number(values.seed);
  }
  if (values['address-prefix'] !== undefined) options.addressPrefix = values['address-prefix'];

  let sandbox;
  try {
    sandbox = await startSandbox(options);
  } catch (err) {
    const usage = err instanceof ScenarioError || (err instanceof Error && /addressPrefix|port .* in use/.test(err.message));
    process.stderr.write(`crossvpc sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
    return usage ? 2 : 1;
  }
  const running = sandbox;
  if (values['clouds-yaml']) {
    try {
      writeFileSync(values['clouds-yaml'], cloudsYaml(running.ready), { mode: 0o600 });
    } catch (err) {
      process.stderr.write(`crossvpc sandbox: cannot write ${values['clouds-yaml']}: ${(err as Error).message}\n`);
      await running.stop();
      return 1;
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
