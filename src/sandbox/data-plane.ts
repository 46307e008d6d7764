/**
 * The one seam between the sandbox's control plane (HTTP emulator) and its data plane
 * (real Kafka brokers + TCP forwarding). The control plane calls these when cloud state changes.
 */

export type KafkaSecurity =
  | { protocol: 'PLAINTEXT' }
  | { protocol: 'SASL_SSL'; mechanisms: ('PLAIN' | 'SCRAM-SHA-512')[]; users: { username: string; password: string }[] };

export interface BrokerSpec {
  /** 0-based broker index. */
  index: number;
  /** The broker's cross-VPC listener IP (a `cross_vpc_info` key); the broker listens here on `port`. */
  listenerIp: string;
  /** Cross-VPC listener port, 9011 like DMS. */
  port: number;
  /** Neutron port id that owns `listenerIp`. */
  portId: string;
  /** What the broker advertises on its cross-VPC listener at start (defaults to `listenerIp`). */
  advertisedIp: string;
}

export interface KafkaInstanceSpec {
  instanceId: string;
  brokers: BrokerSpec[];
  security: KafkaSecurity;
}

export interface ForwardSpec {
  /** Endpoint private IP (from the client subnet) and the service's client_port. */
  listenIp: string;
  listenPort: number;
  /** Backend: the listener IP owning the service's port_id, and the service's server_port. */
  targetIp: string;
  targetPort: number;
  /**
   * Asked on every new connection: does the instance's security group (and network ACL, where its subnet
   * has one) let 198.19.128.0/17 reach targetPort now? When false the connection is reset, as in the cloud.
   */
  allowed: () => boolean;
}

export interface DataPlane {
  /** Starts real brokers for the instance (idempotent per instanceId). Resolves when all brokers serve. */
  startInstance(spec: KafkaInstanceSpec): Promise<void>;
  /**
   * Applies a new advertised IP per listener IP (only the changed ones need to move). Resolves when every
   * broker's metadata (as seen through its cross-VPC listener) shows the new address.
   */
  setAdvertisedIps(instanceId: string, advertised: Record<string, string>): Promise<void>;
  /** Starts forwarding for an accepted endpoint (idempotent per endpointId). */
  openEndpoint(endpointId: string, spec: ForwardSpec): Promise<void>;
  /** Stops forwarding and closes live connections (idempotent). */
  closeEndpoint(endpointId: string): Promise<void>;
  /** PEM of the CA that signed SASL_SSL brokers' certificates, when any instance uses SASL_SSL. */
  caPemPath(): string | undefined;
  /** Stops every broker and listener; no JVM or socket is left behind. */
  stop(): Promise<void>;
}
