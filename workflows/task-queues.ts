/** Task queue naming. Pure. */

/** Task queue of the verification activity: `<taskQueue>-verify` (a worker inside the client network). */
export function verifyTaskQueue(taskQueue: string): string {
  return `${taskQueue}-verify`;
}
