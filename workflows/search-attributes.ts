/**
 * Search attributes of kafka-crossvpc workflows (registered by `crossvpc setup`, the worker, the dev server).
 *
 * The keys are the plain `{ name, type }` objects `defineSearchAttributeKey` returns, with type-only SDK
 * imports: the CLI imports this file and a runtime import of @temporalio/common from ESM costs every command
 * start-up time (docs/decisions/package-build.md); test/unit/input/definitions.test.ts holds them equal to
 * the SDK's factory.
 */
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes.js';

type Keyword = typeof SearchAttributeType.KEYWORD;
const keyword = (name: string): SearchAttributeKey<Keyword> => ({ name, type: 'KEYWORD' });

export const CrossVpcInstanceId = keyword('CrossVpcInstanceId');
export const CrossVpcPhase = keyword('CrossVpcPhase');
export const CrossVpcHealth = keyword('CrossVpcHealth');

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const searchAttributeRegistrations = ['CrossVpcInstanceId=Keyword', 'CrossVpcPhase=Keyword', 'CrossVpcHealth=Keyword'] as const;
