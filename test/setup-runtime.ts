import { DefaultLogger, Runtime } from '@temporalio/worker';

// Quiet worker logs in tests (state changes are INFO); one Runtime per test process.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
