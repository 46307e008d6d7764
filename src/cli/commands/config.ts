/**
 * `crossvpc config show [--json] [--discover]`: prints the resolved configuration (src/config/env-config.ts)
 * with secrets masked and, per value, where it came from (a variable, `file: key`, `default`, the catalog).
 * `--discover` authenticates each credential set and asks IAM for its catalog, so endpoints show whether
 * they came from the catalog or fell back to the region template. Exit 2 on a configuration error (one
 * message naming every variable / file and key at fault), 1 when discovery fails.
 */
import { parseArgs } from 'node:util';
import { configReport, renderReport, type ConfigReport } from '../../config/config-report.js';
import { ConfigError, resolveConfig, type ResolvedConfig } from '../../config/env-config.js';
import { OTC_SERVICES } from '../../otc/endpoints.js';
import { createOtcClients } from '../../otc/otc-clients.js';
import type { OtcConfig } from '../../otc/otc-config.js';

export const summary = 'show the resolved configuration (secrets masked) and where each value came from';

const HELP = `usage: crossvpc config show [--json] [--discover]

  --json       one JSON document instead of text
  --discover   authenticate and resolve endpoints through the IAM catalog (contacts IAM)

Sources, highest precedence first: OTC_* variables, OS_* variables, the cloud entry (OS_CLOUD /
OTC_CREDENTIALS_<NAME>_CLOUD) in secure.yaml then clouds.yaml, defaults. See docs/configuration.md.`;

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
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false }, discover: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (err) {
    process.stderr.write(`crossvpc config: ${(err as Error).message}\n${HELP}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'show') {
    process.stderr.write(`crossvpc config: expected the subcommand "show"\n${HELP}\n`);
    return 2;
  }
  let resolved: ResolvedConfig;
  try {
    resolved = resolveConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`crossvpc config: ${err.message}\n`);
    return 2;
  }
  const report = configReport(resolved);
  const problems = values.discover ? await discover(report, resolved) : [];
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  for (const p of problems) process.stderr.write(`crossvpc config: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}
