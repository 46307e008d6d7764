/** The failure-detail key under which an activity lists mutations it sent without an answer. Pure, shared. */
export const LEDGER_DETAIL = 'crossvpcUnanswered';
