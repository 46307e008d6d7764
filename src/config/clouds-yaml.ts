/**
 * clouds.yaml / secure.yaml, found where the OpenStack tools (openstacksdk, python-otcextensions,
 * gophertelekomcloud) look, first existing file wins:
 *
 *   1. `OS_CLIENT_CONFIG_FILE` (secure: `OS_CLIENT_SECURE_FILE`) when set; it must exist;
 *   2. the current directory;
 *   3. `~/.config/openstack/`;
 *   4. `/etc/openstack/`.
 *
 * File names `clouds.yaml`, `clouds.yml` (and `secure.yaml`, `secure.yml`). A cloud entry's value is read from
 * secure.yaml first, then clouds.yaml (secure.yaml is merged over clouds.yaml, key by key), and every value
 * keeps its origin (`<file>: clouds.<name>.<key>`). File problems (missing file named by a variable, a file
 * that cannot be read or is not YAML, no `clouds` mapping, an unknown cloud name) throw one ConfigError.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { envValue, type Env, type Sourced } from './value-source.js';

/** Where to look (tests point these at temporary directories). */
export interface CloudsLocation {
  /** Default: `process.cwd()`. */
  cwd?: string;
  /** Default: `os.homedir()`. */
  home?: string;
  /** Default: `/etc/openstack`. */
  systemDir?: string;
}

type RawCloud = Record<string, unknown>;

export interface CloudsFile {
  path: string;
  clouds: Record<string, RawCloud>;
}

export interface CloudsFiles {
  clouds?: CloudsFile;
  secure?: CloudsFile;
  /** Every path looked at, in order (for messages). */
  searched: string[];
}

const FileSchema = z.looseObject({
  clouds: z.record(z.string(), z.record(z.string(), z.unknown()).nullable()).nullish(),
});

const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

function exists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function candidates(base: string, location: CloudsLocation): string[] {
  const dirs = [location.cwd ?? process.cwd(), join(location.home ?? homedir(), '.config', 'openstack'), location.systemDir ?? '/etc/openstack'];
  return dirs.flatMap((dir) => [join(dir, `${base}.yaml`), join(dir, `${base}.yml`)]);
}

function readCloudsFile(path: string, issues: ConfigIssue[]): CloudsFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    issues.push({ variable: path, expected: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}, column ${err.linePos[0].col}` : '';
    const first = (err as Error).message.split('\n')[0] ?? '';
    issues.push({ variable: path, expected: `is not valid YAML${where}: ${first.replace(/ at line \d+, column \d+:?$/, '')}` });
    return undefined;
  }
  const parsed = FileSchema.safeParse(doc ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue ? issue.path.map(String).join('.') : '';
    issues.push({ variable: `${path}: ${key || '(top level)'}`, expected: 'expected a mapping `clouds:` of cloud names to cloud entries (mappings)' });
    return undefined;
  }
  const clouds: Record<string, RawCloud> = {};
  for (const [name, entry] of Object.entries(parsed.data.clouds ?? {})) clouds[name] = entry ?? {};
  return { path, clouds };
}

/** The file named by `variable` when set (it must exist), else the first existing candidate. */
function locate(env: Env, variable: string, base: string, location: CloudsLocation, searched: string[], issues: ConfigIssue[]): string | undefined {
  const named = envValue(env, variable);
  if (named) {
    const path = resolve(location.cwd ?? process.cwd(), named.value);
    searched.push(path);
    if (exists(path)) return path;
    issues.push({ variable, expected: `names ${path}, which does not exist or is not a file` });
    return undefined;
  }
  const list = candidates(base, location);
  searched.push(...list);
  return list.find(exists);
}

/** Finds and parses clouds.yaml and secure.yaml; throws one ConfigError for file problems. */
export function loadCloudsFiles(env: Env, location: CloudsLocation = {}): CloudsFiles {
  const issues: ConfigIssue[] = [];
  const searched: string[] = [];
  const cloudsPath = locate(env, 'OS_CLIENT_CONFIG_FILE', 'clouds', location, searched, issues);
  const securePath = locate(env, 'OS_CLIENT_SECURE_FILE', 'secure', location, searched, issues);
  const clouds = cloudsPath ? readCloudsFile(cloudsPath, issues) : undefined;
  const secure = securePath ? readCloudsFile(securePath, issues) : undefined;
  if (issues.length > 0) throw new ConfigError(issues);
  return { ...(clouds ? { clouds } : {}), ...(secure ? { secure } : {}), searched };
}

/** One named cloud entry; values come from secure.yaml first, then clouds.yaml. */
export class CloudEntry {
  /** Values of the wrong type (a mapping where a string is expected), reported by the caller. */
  readonly issues: ConfigIssue[] = [];

  constructor(
    readonly name: string,
    private readonly files: CloudsFiles,
  ) {}

  /** The file the entry is (mainly) defined in. */
  get path(): string {
    return (this.files.clouds?.clouds[this.name] ? this.files.clouds.path : this.files.secure?.path) ?? '';
  }

  /** `clouds.<name>.<key path>` of the file that defines it. */
  keyOf(path: readonly string[]): string {
    return `${this.path}: clouds.${this.name}.${path.join('.')}`;
  }

  /** A scalar at `path` (e.g. `['auth', 'username']`), as a string with its origin; undefined when absent or empty. */
  get(path: readonly string[]): Sourced | undefined {
    for (const file of [this.files.secure, this.files.clouds]) {
      const entry = file?.clouds[this.name];
      if (!file || !entry) continue;
      let node: unknown = entry;
      for (const key of path) node = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined || node === null || node === '') continue;
      const origin = `${file.path}: clouds.${this.name}.${path.join('.')}`;
      const scalar = Scalar.safeParse(node);
      if (!scalar.success) {
        this.issues.push({ variable: origin, expected: 'expected a string' });
        return undefined;
      }
      return { value: scalar.data, origin };
    }
    return undefined;
  }
}

/** The cloud `name` (chosen by the variable `selectedBy`); throws one ConfigError naming the file and key when absent. */
export function selectCloud(files: CloudsFiles, name: string, selectedBy: string): CloudEntry {
  const defined = new Set([...Object.keys(files.clouds?.clouds ?? {}), ...Object.keys(files.secure?.clouds ?? {})]);
  if (defined.has(name)) return new CloudEntry(name, files);
  if (!files.clouds && !files.secure) {
    throw new ConfigError([{ variable: selectedBy, expected: `names cloud "${name}", but no clouds.yaml was found (looked for: ${files.searched.join(', ')})` }]);
  }
  const paths = [files.clouds?.path, files.secure?.path].filter((p): p is string => p !== undefined);
  const known = [...defined].sort();
  throw new ConfigError([
    {
      variable: selectedBy,
      expected: `names cloud "${name}", but ${paths.join(' and ')} ${paths.length > 1 ? 'have' : 'has'} no key clouds.${name} (${known.length > 0 ? `defined: ${known.join(', ')}` : 'no clouds defined'})`,
    },
  ]);
}
