/**
 * Where a client gets the project id for its paths: configured, or taken from the IAM token
 * (`token.project.id`) when only a project name was configured.
 */
export type ProjectIdSource = (signal?: AbortSignal) => Promise<string>;

export function fixedProjectId(projectId: string): ProjectIdSource {
  return () => Promise.resolve(projectId);
}
