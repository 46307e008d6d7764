/**
 * A configuration value together with where it came from. `origin` is what `crossvpc config show` prints
 * and what error messages name: an environment variable (`OTC_REGION`), a YAML key
 * (`/home/me/.config/openstack/clouds.yaml: clouds.otc.region_name`), or `default`.
 */
export interface Sourced {
  value: string;
  origin: string;
}

/** Looks a logical name (e.g. `OTC_REGION`) up in one or more sources; undefined when unset or empty. */
export type Lookup = (name: string) => Sourced | undefined;

export type Env = Readonly<Record<string, string | undefined>>;

/** The environment as a lookup (empty counts as unset). */
export function envValue(env: Env, name: string): Sourced | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : { value, origin: name };
}
