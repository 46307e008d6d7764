/**
 * `crossvpc config show [--json] [--discover]`: prints the resolved configuration (src/config/env-config.ts)
 * with secrets masked and, per value, where it came from (a variable, `file: key`, `default`, the catalog).
 * `--discover` authenticates each credential set and asks IAM for its catalog, so endpoints show whether
 * they came from the catalog or fell back to the region template. Exit 2 on a configuration error (one
 * message naming every variable / file and key at fault), 1 when discovery fails.
 */
import { z } from 'zod';
import { configReport, renderReport, type ConfigReport } from '../../config/config-report.js';
import { ConfigError, resolveConfig, type ResolvedConfig } from '../../config/env-config.js';
import { OTC_SERVICES } from '../../otc/endpoints.js';
import { createOtcClients } from '../../otc/otc-clients.js';
import type { OtcConfig } from '../../otc/otc-config.js';
import { CONNECTION_ENV, HELP_FLAG, TASK_QUEUE_ENV, flag } from '../args.js';
import { commandError, parseFlags } from '../output.js';
import { ExitCode } from '../exit-codes.js';

export const summary = 'show the resolved configuration (secrets masked) and where each value came from';

const spec = {
  name: 'config',
  summary: `${summary}. Exit code: 0 ok, 1 endpoint discovery failed, 2 bad usage or a configuration error.`,
  positionals: { value: 'show', description: 'the only subcommand: print the resolved configuration' },
  flags: {
    json: { type: 'boolean', description: 'one JSON document instead of text' },
    discover: { type: 'boolean', description: 'authenticate and resolve endpoints through the IAM catalog (contacts IAM)' },
    ...HELP_FLAG,
  },
  env: {
    'OTC_*': 'default credential set: OTC_REGION, OTC_PROJECT_ID, OTC_AK/OTC_SK or OTC_USERNAME/OTC_PASSWORD/OTC_DOMAIN_NAME, OTC_ENDPOINT_*, …',
    'OTC_CREDENTIALS_<NAME>_*': 'named credential sets (same fields, plus CLOUD: a cloud entry name)',
    'OS_*': 'OpenStack variables of the default set',
    OS_CLOUD: 'cloud entry of the default set in secure.yaml / clouds.yaml',
    'OS_CLIENT_CONFIG_FILE, OS_CLIENT_SECURE_FILE': 'clouds.yaml / secure.yaml paths',
    ...CONNECTION_ENV,
    ...TASK_QUEUE_ENV,
  },
  schema: z
    .object({
      positionals: z.array(z.string()).refine((p) => p.length === 1 && p[0] === 'show', 'expected the subcommand "show"'),
      json: z.boolean().default(false),
      discover: z.boolean().default(false),
      help: flag.bool,
    })
    .strict(),
  notes: [
    'Sources, highest precedence first: OTC_* variables, OS_* variables, the cloud entry (OS_CLOUD /',
    'OTC_CREDENTIALS_<NAME>_CLOUD) in secure.yaml then clouds.yaml, defaults. See docs/configuration.md.',
  ],
} as const;

const ENDPOINT_FROM = {
  catalog: 'catalog (IAM)',
  fallback: 'region template (not in the catalog)',
} as const;

/** Replaces each discovered endpoint by what the catalog answered; returns the problems, per set. */
async function discover(report: ConfigReport, resolved: ResolvedConfig): Promise<string[]> {
  const problems: string[] = [];
  const sets: [string, OtcConfig][] = [['default', resolved.config.otc], ...Object.entries(resolved.config.credentialSets)];
  for (const [name, config] of sets) {
    const shown = report.credentialSets[name];
    if (!shown || !config.discover?.length) continue;
    const clients = createOtcClients(config);
    try {
      for (const service of OTC_SERVICES) {
        const r = await clients.endpoints.resolve(service, AbortSignal.timeout(config.timeoutMs));
        if (r.source !== 'configured') shown.endpoints[service] = { value: r.url, from: ENDPOINT_FROM[r.source] };
      }
    } catch (err) {
      problems.push(`credential set ${name}: endpoint discovery failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (!parsed.ok) return parsed.exitCode;
  const values = parsed.args;
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (parsed.out.json) return parsed.out.error(commandError(err, 'config'));
    process.stderr.write(`crossvpc config: ${err.message}\n`);
    return ExitCode.Usage;
  }
  const report = configReport(resolved);
  const problems = values.discover ? await discover(report, resolved) : [];
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  for (const p of problems) process.stderr.write(`crossvpc config: ${p}\n`);
  return problems.length > 0 ? ExitCode.Failed : ExitCode.Ok;
}
