/**
 * DMS Kafka v2 client: instance show/list and `crossvpc/modify` (otc-dms-vpc-iam-api.md §1–2).
 */
import {
  CrossVpcModifyResultSchema,
  DmsInstanceListSchema,
  DmsInstanceSchema,
  type CrossVpcModifyResult,
  type DmsInstance,
  type DmsInstanceList,
  type ListInstancesQuery,
} from './dms-schemas.js';
import { collectOffsetPages } from './pagination.js';
import type { ProjectIdSource } from './project-id.js';
import { seg, type CallOptions, type OtcTransport, type QueryParams } from './transport.js';

/** DMS list limit maximum (1..50). */
export const DMS_PAGE_LIMIT = 50;

export class DmsClient {
  constructor(
    private readonly transport: OtcTransport,
    private readonly projectId: ProjectIdSource,
  ) {}

  private async base(options: CallOptions | undefined): Promise<string> {
    return `/v2/${seg(await this.projectId(options?.signal))}`;
  }

  /** GET /v2/{project_id}/instances/{id}; 404 `DMS.00404022` when it does not exist. */
  async getInstance(id: string, options?: CallOptions): Promise<DmsInstance> {
    return this.transport.json({ operation: 'getInstance', method: 'GET', path: `${await this.base(options)}/instances/${seg(id)}`, ...options }, DmsInstanceSchema);
  }

  /** One page of GET /v2/{project_id}/instances (engine defaults to `kafka`). */
  async listInstances(query: ListInstancesQuery = {}, options?: CallOptions): Promise<DmsInstanceList> {
    const q: QueryParams = { engine: 'kafka', ...query };
    return this.transport.json({ operation: 'listInstances', method: 'GET', path: `${await this.base(options)}/instances`, query: q, ...options }, DmsInstanceListSchema);
  }

  async listAllInstances(query: Omit<ListInstancesQuery, 'offset' | 'limit'> = {}, options?: CallOptions): Promise<DmsInstance[]> {
    return collectOffsetPages(
      async (offset, limit) => {
        const page = await this.listInstances({ ...query, offset, limit }, options);
        return { items: page.instances, total: page.instance_num ?? undefined };
      },
      { limit: DMS_PAGE_LIMIT },
    );
  }

  /**
   * POST /v2/{project_id}/instances/{id}/crossvpc/modify `{"advertised_ip_contents":{listenerIp: ip}}`.
   * Include EVERY broker (unchanged ones with their current advertised IP). Check `success` and `results`:
   * the call can answer 200 with `success:false`.
   */
  async modifyCrossVpc(id: string, advertisedIpContents: Readonly<Record<string, string>>, options?: CallOptions): Promise<CrossVpcModifyResult> {
    return this.transport.json(
      {
        operation: 'modifyCrossVpc',
        method: 'POST',
        path: `${await this.base(options)}/instances/${seg(id)}/crossvpc/modify`,
        body: { advertised_ip_contents: { ...advertisedIpContents } },
        ...options,
      },
      CrossVpcModifyResultSchema,
    );
  }
}
