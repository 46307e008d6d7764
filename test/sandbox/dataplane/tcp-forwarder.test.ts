import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpForwarder } from '../../../src/sandbox/dataplane/tcp-forwarder.js';
import { createNullDataPlane } from '../../../src/sandbox/dataplane/kafka-data-plane.js';
import { connectionOutcome, claimAddressPrefix } from '../support/sandbox-helpers.js';

const prefix = await claimAddressPrefix();
const backendIp = `${prefix}.10.200`;
let backend: Server;
const backendSockets = new Set<Socket>();

beforeAll(async () => {
  backend = createServer((socket) => {
    backendSockets.add(socket);
    socket.once('close', () => backendSockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket); // echo
  });
  await new Promise<void>((resolve) => backend.listen(19_011, backendIp, resolve));
});

afterAll(async () => {
  for (const s of backendSockets) s.destroy();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

function echoOnce(host: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(text));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

describe('tcp forwarder', () => {
  it('pipes bytes to the target and asks allowed() per connection', async () => {
    let allowed = true;
    let asked = 0;
    const fwd = await startTcpForwarder({
      listenIp: `${prefix}.2.200`,
      listenPort: 9011,
      targetIp: backendIp,
      targetPort: 19_011,
      allowed: () => {
        asked++;
        return allowed;
      },
    });
    try {
      expect(await echoOnce(`${prefix}.2.200`, 9011, 'hello')).toBe('hello');
      allowed = false;
      expect(await connectionOutcome(`${prefix}.2.200`, 9011)).toBe('reset');
      allowed = true;
      expect(await echoOnce(`${prefix}.2.200`, 9011, 'again')).toBe('again');
      expect(asked).toBe(3);
    } finally {
      await fwd.close();
    }
  });

  it('closing destroys live connections and stops listening', async () => {
    const fwd = await startTcpForwarder({ listenIp: `${prefix}.2.201`, listenPort: 9011, targetIp: backendIp, targetPort: 19_011 });
    const socket = connect({ host: `${prefix}.2.201`, port: 9011 });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('x');
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    expect(fwd.connectionCount()).toBe(1);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await fwd.close();
    await closed;
    expect(await connectionOutcome(`${prefix}.2.201`, 9011)).toBe('refused');
  });

  it('resets when the target refuses', async () => {
    const fwd = await startTcpForwarder({ listenIp: `${prefix}.2.202`, listenPort: 9011, targetIp: `${prefix}.10.201`, targetPort: 9011 });
    try {
      expect(await connectionOutcome(`${prefix}.2.202`, 9011)).toBe('reset');
    } finally {
      await fwd.close();
    }
  });

  it('refuses non-loopback addresses', async () => {
    await expect(startTcpForwarder({ listenIp: '10.0.0.1', listenPort: 9011, targetIp: backendIp, targetPort: 1 })).rejects.toThrow(/loopback/);
  });
});

describe('null data plane (--no-kafka)', () => {
  it('starts no brokers but opens endpoint listeners that reset connections', async () => {
    const plane = createNullDataPlane();
    try {
      await plane.startInstance({ instanceId: 'i-1', brokers: [], security: { protocol: 'PLAINTEXT' } });
      await plane.setAdvertisedIps('i-1', {});
      const spec = { listenIp: `${prefix}.2.203`, listenPort: 9011, targetIp: backendIp, targetPort: 19_011, allowed: () => true };
      await plane.openEndpoint('ep-1', spec);
      await plane.openEndpoint('ep-1', spec); // idempotent
      expect(await connectionOutcome(`${prefix}.2.203`, 9011)).toBe('reset');
      await plane.closeEndpoint('ep-1');
      await plane.closeEndpoint('ep-1');
      expect(await connectionOutcome(`${prefix}.2.203`, 9011)).toBe('refused');
      expect(plane.caPemPath()).toBeUndefined();
    } finally {
      await plane.stop();
    }
  });
});
