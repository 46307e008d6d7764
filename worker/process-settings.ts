/**
 * How the deployed worker's process is started: settings that take effect only when the process gets them at
 * its start (glibc reads its malloc tunables from the environment before `main`), so the worker cannot set them
 * on itself. The Dockerfile's worker stage sets them (test/ops/docker-compose.test.ts holds the two equal) and
 * the benchmarks start their worker process with them (bench/provisioning-scale.ts; `BENCH_WORKER_PLAIN=1`
 * without). Measured and chosen in docs/decisions/worker-tuning.md "The worker's process environment".
 */

/**
 * Environment of the worker process. `MALLOC_MMAP_THRESHOLD_=131072`: an allocation of 128 KiB or more gets
 * pages of its own (mmap), given back to the system when it is freed. glibc starts at that threshold but raises
 * it to the size of every such block freed (up to 32 MiB), after which big short-lived buffers (our reading, not
 * profiled: workflow activations and histories in the SDK's Rust core, V8's compiler zones) come from the malloc
 * heaps, which keep them. Setting it fixes it (and switches that raising off).
 */
export const WORKER_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };
