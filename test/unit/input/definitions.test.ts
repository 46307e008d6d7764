/**
 * workflows/definitions.ts and workflows/search-attributes.ts write the SDK's definition objects out (so the
 * CLI does not load the workflow SDK at start): they must stay exactly what the SDK's factories return.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { approveSignal, portProgressQuery, progressQuery } from '../../../workflows/definitions.js';
import { CrossVpcHealth, CrossVpcInstanceId, CrossVpcPhase, searchAttributeRegistrations } from '../../../workflows/search-attributes.js';

describe('definitions written out', () => {
  it('queries and signals equal defineQuery / defineSignal', () => {
    expect(progressQuery).toEqual(defineQuery('progress'));
    expect(portProgressQuery).toEqual(defineQuery('progress'));
    expect(approveSignal).toEqual(defineSignal('approve'));
  });

  it('search attribute keys equal defineSearchAttributeKey, and match the registrations', () => {
    expect(CrossVpcInstanceId).toEqual(defineSearchAttributeKey('CrossVpcInstanceId', SearchAttributeType.KEYWORD));
    expect(CrossVpcPhase).toEqual(defineSearchAttributeKey('CrossVpcPhase', SearchAttributeType.KEYWORD));
    expect(CrossVpcHealth).toEqual(defineSearchAttributeKey('CrossVpcHealth', SearchAttributeType.KEYWORD));
    expect(searchAttributeRegistrations).toEqual([CrossVpcInstanceId, CrossVpcPhase, CrossVpcHealth].map((k) => `${k.name}=Keyword`));
  });
});
