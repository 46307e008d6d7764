/**
 * The modules every workflow run shares instead of evaluating its own copy (worker/workflow-bundle.ts:
 * `preloadModules`). Evaluated once per workflow context, before any workflow, then deep-frozen by the SDK.
 * Not imported by any workflow: the bundler loads it.
 */
import * as zod from 'zod';

// zod sets its default locale and memoizer in its global config on the first schema it builds. Build one
// here, while the config can still be written: once frozen, the first schema a workflow built would throw.
zod.z.object({ warm: zod.z.string() }).safeParse({ warm: '' });

/** Referenced, so that the bundler keeps zod (it is marked free of side effects). */
export const sharedModules = [zod];
