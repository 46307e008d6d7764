/**
 * Admin API on its own base URL (never on a service port), unauthenticated, loopback only:
 *   GET    /admin/ready                 the ready line
 *   GET    /admin/state                 every resource per account and project + faults + call summary
 *   GET    /admin/calls[?operation=&status=&limit=]   {total, counts, calls}
 *   DELETE /admin/calls                 clear the call log
 *   GET    /admin/faults                {faults:[{id, spec, matched, fired}]}
 *   POST   /admin/faults                a fault spec, an array, or {faults:[…]} → 201 {ids}
 *   DELETE /admin/faults                clear all → {cleared}
 *   DELETE /admin/faults/{id}           204, or 404
 *   POST   /admin/reset                 back to the scenario's initial state → {reset:true}
 *   POST   /admin/instances/{id}/status {status} (e.g. to provoke DMS.00400026)
 *   GET    /admin/reachability/{instanceId}?port=9011&ip=<listener IP>   SG/ACL verdict for VPCEP traffic
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CallLog } from '../call-log.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import { compileRoutes, listen, matchRoute, readBody, sendJson, type RunningServer } from '../http/server.js';
import { HttpError, type Reply } from '../http/types.js';
import { crossVpcInfo, renderInstance } from '../services/dms.js';
import { vpcepReachability } from '../state/reachability.js';
import type { World } from '../state/world.js';

export interface AdminDeps {
  world(): World;
  faults: FaultInjector;
  callLog: CallLog;
  ready(): unknown;
  reset(): Promise<void>;
  scenarioName: string;
  /** Cloud state was changed through the admin API (instance status). */
  changed?: () => void;
}

interface AdminRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

interface AdminRoute {
  method: string;
  pattern: string;
  handler: (r: AdminRequest) => Reply | Promise<Reply>;
}

function adminError(status: number, message: string): HttpError {
  return new HttpError(status, { error: message });
}

export function stateDump(world: World) {
  return {
    region: world.region,
    accounts: [...world.accounts.values()].map((a) => ({
      name: a.name,
      domainId: a.domainId,
      domainName: a.domainName,
      username: a.username,
      projects: a.projects.map((p) => {
        const mine = <T extends { projectId: string }>(m: Map<string, T>) => [...m.values()].filter((x) => x.projectId === p.id);
        const groups = mine(world.securityGroups);
        return {
          id: p.id,
          name: p.name,
          vpcs: mine(world.vpcs),
          subnets: mine(world.subnets),
          ports: mine(world.ports),
          securityGroups: groups.map((g) => ({ ...g, rules: [...world.sgRules.values()].filter((r) => r.security_group_id === g.id) })),
          networkAcls: mine(world.acls),
          kafkaInstances: mine(world.instances).map((i) => ({ ...renderInstance(world, i), cross_vpc_info: JSON.parse(crossVpcInfo(i)) as unknown, brokers: i.brokers })),
          endpointServices: mine(world.services),
          endpoints: mine(world.endpoints),
          dnsZones: mine(world.zones),
        };
      }),
    })),
  };
}

export async function startAdminServer(deps: AdminDeps, host: string, port: number): Promise<RunningServer> {
  const statusSchema = z.object({ status: z.string().min(1) });
  const defs: AdminRoute[] = [
      { method: 'GET', pattern: '/admin/ready', handler: () => ({ status: 200, body: deps.ready() }) },
      {
        method: 'GET',
        pattern: '/admin/state',
        handler: () => ({
          status: 200,
          body: { scenario: deps.scenarioName, ...stateDump(deps.world()), faults: deps.faults.list(), calls: deps.callLog.summary() },
        }),
      },
      {
        method: 'GET',
        pattern: '/admin/calls',
        handler: (r: AdminRequest) => {
          const op = r.query.get('operation');
          const status = r.query.get('status');
          const limit = Number(r.query.get('limit') ?? '1000');
          const calls = deps.callLog.all().filter((c) => (!op || c.operation === op) && (!status || c.status === status));
          const summary = deps.callLog.summary(0);
          return { status: 200, body: { total: summary.total, counts: summary.counts, calls: calls.slice(-limit) } };
        },
      },
      {
        method: 'DELETE',
        pattern: '/admin/calls',
        handler: () => {
          deps.callLog.clear();
          return { status: 204 };
        },
      },
      { method: 'GET', pattern: '/admin/faults', handler: () => ({ status: 200, body: { faults: deps.faults.list() } }) },
      {
        method: 'POST',
        pattern: '/admin/faults',
        handler: (r: AdminRequest) => {
          const b = r.body;
          const specs: unknown[] = Array.isArray(b) ? b : b && typeof b === 'object' && 'faults' in b && Array.isArray(b.faults) ? (b.faults as unknown[]) : [b];
          const ids: string[] = [];
          for (const [i, spec] of specs.entries()) {
            try {
              ids.push(deps.faults.add(spec));
            } catch (err) {
              const message = err instanceof z.ZodError ? err.issues.map((x) => `[${i}].${x.path.join('.')}: ${x.message}`).join('; ') : String(err);
              throw adminError(400, `invalid fault spec: ${message}`);
            }
          }
          return { status: 201, body: { ids } };
        },
      },
      {
        method: 'DELETE',
        pattern: '/admin/faults',
        handler: () => {
          const n = deps.faults.list().length;
          deps.faults.clear();
          return { status: 200, body: { cleared: n } };
        },
      },
      {
        method: 'DELETE',
        pattern: '/admin/faults/{id}',
        handler: (r: AdminRequest) => {
          if (!deps.faults.remove(r.params.id ?? '')) throw adminError(404, `no fault ${r.params.id ?? ''}`);
          return { status: 204 };
        },
      },
      {
        method: 'POST',
        pattern: '/admin/reset',
        handler: async () => {
          await deps.reset();
          return { status: 200, body: { reset: true } };
        },
      },
      {
        method: 'POST',
        pattern: '/admin/instances/{id}/status',
        handler: (r: AdminRequest) => {
          const inst = deps.world().instances.get(r.params.id ?? '');
          if (!inst) throw adminError(404, `no instance ${r.params.id ?? ''}`);
          const parsed = statusSchema.safeParse(r.body);
          if (!parsed.success) throw adminError(400, 'body must be {"status":"…"}');
          inst.status = parsed.data.status;
          delete inst.statusHold;
          deps.changed?.();
          return { status: 200, body: { instanceId: inst.id, status: inst.status } };
        },
      },
      {
        method: 'GET',
        pattern: '/admin/reachability/{id}',
        handler: (r: AdminRequest) => {
          const inst = deps.world().instances.get(r.params.id ?? '');
          if (!inst) throw adminError(404, `no instance ${r.params.id ?? ''}`);
          const port = Number(r.query.get('port') ?? '9011');
          const ip = r.query.get('ip') ?? inst.brokers[0]?.listenerIp ?? '';
          return { status: 200, body: vpcepReachability(deps.world(), inst.id, ip, port) };
        },
      },
  ];
  const routes = compileRoutes(defs);

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${host}`);
    let reply: Reply;
    try {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        throw adminError(400, 'body is not JSON');
      }
      const found = matchRoute(routes, (req.method ?? 'GET').toUpperCase(), url.pathname);
      if (!found) throw adminError(404, `no admin route ${req.method ?? ''} ${url.pathname}`);
      reply = await found.route.def.handler({ params: found.params, query: url.searchParams, body });
    } catch (err) {
      reply = err instanceof HttpError ? { status: err.status, body: err.body } : { status: 500, body: { error: String(err) } };
    }
    sendJson(res, reply, 'admin');
  }
  return listen(server, host, port);
}
