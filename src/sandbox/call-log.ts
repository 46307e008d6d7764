/** Every call the emulator answered: for the admin state dump and for tests asserting on traffic. */

export interface CallRecord {
  at: string;
  service: string;
  operation: string;
  method: string;
  path: string;
  /** The query string as received, without `?` (empty when none): which list filters a caller sent. */
  query: string;
  /** HTTP status; `dropped` when a fault reset the connection after the operation committed; `reset`, `refused` or `stalled` for a connection fault (the operation did not run). */
  status: string;
  account: string | undefined;
  durationMs: number;
  faults: string[];
  requestId: string;
}

export interface CallSummary {
  total: number;
  /** `{ "vpcep.createEndpoint": { "200": 2, "400": 1 } }` */
  counts: Record<string, Record<string, number>>;
  recent: CallRecord[];
}

export class CallLog {
  private records: CallRecord[] = [];
  /** Counts by operation and status since the last clear, never trimmed (load runs exceed `keep`). */
  private allTimeCounts: Record<string, Record<string, number>> = {};
  constructor(private readonly keep = 5000) {}

  add(record: CallRecord): void {
    const byStatus = (this.allTimeCounts[record.operation] ??= {});
    byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
    this.records.push(record);
    if (this.records.length > this.keep) this.records.splice(0, this.records.length - this.keep);
  }

  all(): readonly CallRecord[] {
    return this.records;
  }

  count(operation: string, status?: number | string): number {
    return this.records.filter((r) => r.operation === operation && (status === undefined || r.status === String(status))).length;
  }

  summary(recent = 200): CallSummary {
    const counts: Record<string, Record<string, number>> = {};
    for (const r of this.records) {
      const byStatus = (counts[r.operation] ??= {});
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    }
    return { total: this.records.length, counts, recent: this.records.slice(-recent) };
  }

  /** Every call's count by operation and status since the last clear, beyond the records kept. */
  allTime(): Record<string, Record<string, number>> {
    return structuredClone(this.allTimeCounts);
  }

  clear(): void {
    this.records = [];
    this.allTimeCounts = {};
  }
}
