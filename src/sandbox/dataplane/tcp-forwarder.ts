/**
 * A VPC endpoint's data path: a TCP listener on the endpoint IP that pipes every accepted connection to the
 * backend (the broker listener owning the service's port). `allowed()` is asked once per new connection;
 * when it says no (security group / network ACL), the connection is reset, as in the cloud. Closing the
 * forwarder stops listening and destroys every live connection.
 */
import { createServer, connect, isIPv4, type Server, type Socket } from 'node:net';

export interface TcpForwarderOptions {
  listenIp: string;
  listenPort: number;
  targetIp: string;
  targetPort: number;
  /** Checked per new connection; false → reset. Omit for "always allowed". */
  allowed?: () => boolean;
  /** Reset every connection without dialling the target (the `--no-kafka` data plane). */
  refuseAll?: boolean;
  connectTimeoutMs?: number;
}

export interface TcpForwarder {
  readonly listenIp: string;
  readonly listenPort: number;
  /** Live client connections. */
  connectionCount(): number;
  close(): Promise<void>;
}

/** The sandbox only ever touches loopback (127.0.0.0/8). */
export function assertLoopback(ip: string, what: string): void {
  if (!isIPv4(ip) || !ip.startsWith('127.')) throw new Error(`${what} ${ip} is not a loopback (127.0.0.0/8) address`);
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function startTcpForwarder(options: TcpForwarderOptions): Promise<TcpForwarder> {
  assertLoopback(options.listenIp, 'listen IP');
  if (!options.refuseAll) assertLoopback(options.targetIp, 'target IP');
  const live = new Set<Socket>();
  const clients = new Set<Socket>();

  const onConnection = (client: Socket): void => {
    live.add(client);
    clients.add(client);
    client.once('close', () => {
      live.delete(client);
      clients.delete(client);
    });
    client.on('error', () => undefined);
    let permitted = false;
    if (!options.refuseAll) {
      try {
        permitted = options.allowed ? options.allowed() : true;
      } catch {
        permitted = false;
      }
    }
    if (!permitted) {
      reset(client);
      return;
    }
    client.pause();
    const upstream = connect({ host: options.targetIp, port: options.targetPort });
    live.add(upstream);
    upstream.once('close', () => live.delete(upstream));
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    const timer = setTimeout(() => {
      reset(upstream);
      reset(client);
    }, options.connectTimeoutMs ?? 10_000);
    upstream.once('connect', () => {
      clearTimeout(timer);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      clearTimeout(timer);
      reset(client);
    });
    client.on('error', () => reset(upstream));
    upstream.once('close', () => {
      clearTimeout(timer);
      if (!client.destroyed) client.destroySoon();
    });
    client.once('close', () => {
      if (!upstream.destroyed) upstream.destroySoon();
    });
  };

  const server: Server = createServer({ noDelay: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.listenIp, port: options.listenPort, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);

  let closing: Promise<void> | undefined;
  return {
    listenIp: options.listenIp,
    listenPort: options.listenPort,
    connectionCount: () => clients.size,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of live) socket.destroy();
        live.clear();
      });
      return closing;
    },
  };
}
