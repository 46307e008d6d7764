/**
 * The one error type of configuration loading: every problem found is collected into ONE {@link ConfigError}
 * whose message names, per problem, where the value lives (an environment variable, or `file: key` in a
 * clouds.yaml / secure.yaml) and what is expected. Secret values are never echoed.
 */
export interface ConfigIssue {
  /** An environment variable name, or `<file>: <key path>` for a value from a YAML file. */
  variable: string;
  expected: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((i) => `  - ${i.variable}: ${i.expected}`).join('\n')}`);
  }
}
