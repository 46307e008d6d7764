/**
 * The caller's identity Temporal records on every start, signal and cancel request of a client (the
 * `identity` of `WorkflowExecutionStarted`, `…Signaled`, `…CancelRequested` events): what `crossvpc history`
 * reports as "who". Default: the OS user and host (`alice@build-7`), as Temporal's own CLI does; `--identity`
 * (CLI) or `identity` (typed client) overrides it. One place for the format.
 */
import { hostname, userInfo } from 'node:os';

export function defaultIdentity(env: Readonly<Record<string, string | undefined>> = process.env): string {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): fall back to the environment
  }
  return `${user || env.USER || env.LOGNAME || 'unknown'}@${hostname()}`;
}

/** A usable identity: 1–200 printable characters (it ends up in history events and the memo). */
export function isValidIdentity(s: string): boolean {
  return s.trim().length > 0 && s.length <= 200 && [...s].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) !== 0x7f);
}
