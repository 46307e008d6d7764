/** Search attributes of kafka-crossvpc workflows (registered on the dev server at start). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CrossVpcInstanceId = defineSearchAttributeKey('CrossVpcInstanceId', SearchAttributeType.KEYWORD);
export const CrossVpcPhase = defineSearchAttributeKey('CrossVpcPhase', SearchAttributeType.KEYWORD);
export const CrossVpcHealth = defineSearchAttributeKey('CrossVpcHealth', SearchAttributeType.KEYWORD);

/** `Name=Type` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const searchAttributeRegistrations = ['CrossVpcInstanceId=Keyword', 'CrossVpcPhase=Keyword', 'CrossVpcHealth=Keyword'] as const;
