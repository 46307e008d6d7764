/** Workflow ids and deterministic resource names (pure; re-exported by workflows/input.ts). */

/** Workflow id of the one access per instance. */
export function accessWorkflowId(instanceId: string): string {
  return `crossvpc-${instanceId}`;
}

/** Workflow id of one client VPC of a named access. */
export function namedAccessWorkflowId(instanceId: string, clientVpcId: string): string {
  return `crossvpc-${instanceId}-vpc-${clientVpcId}`;
}

/** Workflow id of the removal of one client VPC from a named access. */
export function removeClientWorkflowId(instanceId: string, clientVpcId: string): string {
  return `crossvpc-${instanceId}-vpc-${clientVpcId}-remove`;
}

/** Workflow id of the re-verification of one client VPC of a named access. */
export function namedReverifyWorkflowId(instanceId: string, clientVpcId: string): string {
  return `crossvpc-${instanceId}-vpc-${clientVpcId}-verify`;
}

/** Child workflow id of one broker port. */
export function portWorkflowId(parentWorkflowId: string, portId: string): string {
  return `${parentWorkflowId}-port-${portId}`;
}

/** Deterministic endpoint-service name (≤ 16 chars): `cvpc-` + first 11 alphanumerics of the port id. */
export function serviceNameForPort(portId: string): string {
  return `cvpc-${portId.replace(/[^A-Za-z0-9]/g, '').slice(0, 11)}`;
}
