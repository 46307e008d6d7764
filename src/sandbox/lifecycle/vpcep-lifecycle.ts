/**
 * VPCEP state machines with configurable delays (scenario `delays`):
 * service creating → available | failed;  available → deleting → gone;
 * endpoint creating → accepted (approval off) | pendingAcceptance (approval on) | failed;
 * pendingAcceptance → accepted | rejected (connections/action);  any → deleting → gone.
 * Accepted endpoints get an IP from their subnet and a data-plane forwarder; reject/delete closes it.
 */
import type { SandboxContext } from '../context.js';
import { vpcepReachability } from '../state/reachability.js';
import { isoSeconds, type AsyncFate, type Endpoint, type EndpointService, type ErrorEntry, type World } from '../state/world.js';
import { allocatableHosts } from '../util/ip.js';

export class VpcepLifecycle {
  constructor(private readonly sb: SandboxContext) {}

  private get world(): World {
    return this.sb.world();
  }

  /** Runs `fn` later, only if the world was not reset meanwhile. */
  private later(delayMs: number, fn: (w: World) => void): void {
    const w = this.world;
    this.sb.scheduler.after(delayMs, () => {
      if (this.sb.world() === w) fn(w);
    });
  }

  private touch(x: { updatedAt: Date }): void {
    x.updatedAt = this.sb.now();
  }

  serviceCreated(svc: EndpointService, fate: AsyncFate, fateError: ErrorEntry | undefined): void {
    svc.pending = { fate, ...(fateError ? { error: fateError } : {}) };
    if (fate === 'stuck') return;
    this.later(this.sb.scenario.delays.serviceCreate, (w) => {
      const s = w.services.get(svc.id);
      if (!s || s.status !== 'creating') return;
      delete s.pending;
      if (fate === 'fail') {
        s.status = 'failed';
        s.error = [fateError ?? { error_code: 'EndPoint.0001', error_message: 'Internal error.' }];
      } else s.status = 'available';
      this.touch(s);
    });
  }

  serviceUpdated(svc: EndpointService, forwardingChanged: boolean): void {
    const transient = this.sb.scenario.behaviour.vpcep.serviceStatusDuringUpdate;
    if (transient) {
      svc.status = transient;
      this.later(this.sb.scenario.delays.serviceUpdate, (w) => {
        const s = w.services.get(svc.id);
        if (s && s.status === transient) {
          s.status = 'available';
          this.touch(s);
        }
      });
    }
    if (forwardingChanged) {
      for (const ep of this.world.endpoints.values()) {
        if (ep.serviceId === svc.id && ep.status === 'accepted') {
          this.sb.scheduler.track(this.closeForwarding(ep).then(() => this.openForwarding(ep)));
        }
      }
    }
    if (this.sb.scenario.behaviour.vpcep.approvalChangeReevaluatesEndpoints && !svc.approvalEnabled) {
      for (const ep of this.world.endpoints.values()) if (ep.serviceId === svc.id && ep.status === 'pendingAcceptance') this.accept(ep);
    }
  }

  /** Deletions held by an `async-stuck` fault: a DELETE sent again once the fault no longer fires resumes them. */
  private readonly stuckDeleting = new Set<string>();

  isStuckDeleting(id: string): boolean {
    return this.stuckDeleting.has(id);
  }

  serviceDeleting(svc: EndpointService, fate: AsyncFate): void {
    svc.status = 'deleting';
    svc.pending = { fate };
    this.touch(svc);
    if (fate === 'stuck') {
      this.stuckDeleting.add(svc.id);
      return;
    }
    this.stuckDeleting.delete(svc.id);
    this.later(this.sb.scenario.delays.serviceDelete, (w) => {
      if (!w.services.has(svc.id)) return;
      w.services.delete(svc.id);
      // Endpoints still attached (pendingAcceptance, rejected, failed) go with the service.
      for (const ep of [...w.endpoints.values()]) {
        if (ep.serviceId !== svc.id) continue;
        this.sb.scheduler.track(this.closeForwarding(ep));
        w.endpoints.delete(ep.id);
      }
    });
  }

  endpointCreated(ep: Endpoint, fate: AsyncFate, fateError: ErrorEntry | undefined): void {
    ep.pending = { fate, ...(fateError ? { error: fateError } : {}) };
    if (fate === 'stuck') return;
    this.later(this.sb.scenario.delays.endpointCreate, (w) => {
      const e = w.endpoints.get(ep.id);
      if (!e || e.status !== 'creating') return;
      delete e.pending;
      const svc = w.services.get(e.serviceId);
      if (fate === 'fail' || !svc || svc.status !== 'available') {
        e.status = 'failed';
        e.error = [fateError ?? { error_code: 'EndPoint.2004', error_message: 'The endpoint service is unavailable.' }];
        this.touch(e);
        return;
      }
      if (svc.approvalEnabled) {
        e.status = 'pendingAcceptance';
        this.touch(e);
      } else this.accept(e);
    });
  }

  /** pendingAcceptance/rejected → accepted: assigns the IP (once) and starts forwarding. */
  accept(ep: Endpoint): void {
    if (!ep.ip) {
      const ip = ep.requestedIp ?? this.allocateIp(ep.subnetId);
      if (!ip) {
        ep.status = 'failed';
        ep.error = [{ error_code: 'EndPoint.2042', error_message: 'No free IP address in the subnet.' }];
        this.touch(ep);
        return;
      }
      ep.ip = ip;
    }
    ep.status = 'accepted';
    this.touch(ep);
    this.sb.scheduler.track(this.openForwarding(ep));
  }

  reject(ep: Endpoint): void {
    ep.status = 'rejected';
    this.touch(ep);
    this.sb.scheduler.track(this.closeForwarding(ep));
  }

  endpointDeleting(ep: Endpoint, fate: AsyncFate): void {
    ep.status = 'deleting';
    ep.pending = { fate };
    this.touch(ep);
    this.sb.scheduler.track(this.closeForwarding(ep));
    if (fate === 'stuck') {
      this.stuckDeleting.add(ep.id);
      return;
    }
    this.stuckDeleting.delete(ep.id);
    this.later(this.sb.scenario.delays.endpointDelete, (w) => {
      w.endpoints.delete(ep.id);
    });
  }

  /**
   * After a restart from a state file: transitions that were under way start again (with their full delay and
   * the fate they had), a transient update status goes back to `available`, accepted endpoints forward again.
   */
  resume(): void {
    const w = this.world;
    const transient = this.sb.scenario.behaviour.vpcep.serviceStatusDuringUpdate;
    for (const svc of w.services.values()) {
      if (svc.status === 'creating') this.serviceCreated(svc, svc.pending?.fate ?? 'normal', svc.pending?.error);
      else if (svc.status === 'deleting') this.serviceDeleting(svc, svc.pending?.fate ?? 'normal');
      else if (transient && svc.status === transient) {
        svc.status = 'available';
        this.touch(svc);
      }
    }
    for (const ep of w.endpoints.values()) {
      if (ep.status === 'creating') this.endpointCreated(ep, ep.pending?.fate ?? 'normal', ep.pending?.error);
      else if (ep.status === 'deleting') this.endpointDeleting(ep, ep.pending?.fate ?? 'normal');
      else if (ep.status === 'accepted') this.sb.scheduler.track(this.openForwarding(ep));
    }
  }

  private allocateIp(subnetId: string): string | undefined {
    const subnet = this.world.subnets.get(subnetId);
    if (!subnet) return undefined;
    const used = this.world.usedIps(subnetId);
    for (const ip of allocatableHosts(subnet.cidr)) if (!used.has(ip)) return ip;
    return undefined;
  }

  /** Starts the data-plane forwarder for an accepted endpoint (target: the broker owning the service's port_id). */
  async openForwarding(ep: Endpoint): Promise<void> {
    const w = this.world;
    const svc = w.services.get(ep.serviceId);
    const mapping = svc?.ports[0];
    if (!svc || !mapping || !ep.ip) return;
    const port = w.ports.get(svc.portId);
    if (!port) return;
    const owner = w.brokerOfPort(svc.portId);
    const targetIp = owner ? owner.broker.listenerIp : port.ip;
    const instanceId = owner?.instance.id;
    const sb = this.sb;
    await sb.dataPlane.openEndpoint(ep.id, {
      listenIp: ep.ip,
      listenPort: mapping.client_port,
      targetIp,
      targetPort: mapping.server_port,
      allowed: () => (instanceId === undefined ? true : vpcepReachability(sb.world(), instanceId, targetIp, mapping.server_port).allowed),
    });
    ep.forwarding = true;
  }

  async closeForwarding(ep: Endpoint): Promise<void> {
    await this.sb.dataPlane.closeEndpoint(ep.id);
    ep.forwarding = false;
  }
}

export function timestamps(x: { createdAt: Date; updatedAt: Date }): { created_at: string; updated_at: string } {
  return { created_at: isoSeconds(x.createdAt), updated_at: isoSeconds(x.updatedAt) };
}
