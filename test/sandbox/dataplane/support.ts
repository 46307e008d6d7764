/** Shared helpers for the data-plane tests (no Kafka started here). */
import { connect } from 'node:net';

export { claimAddressPrefix } from '../../support/address-block.js';

/** Connects and reports how the connection ended: 'reset', 'refused', 'closed' (FIN) or 'open' after waitMs. */
export function connectionOutcome(host: string, port: number, waitMs = 1500): Promise<'reset' | 'refused' | 'closed' | 'open'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('open');
    }, waitMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    socket.once('end', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('closed');
    });
  });
}
