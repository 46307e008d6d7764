/**
 * Browser test of the Temporal Web UI (2.x, served by `temporal server start-dev --ui-port`): after one
 * provisioning, an operator finds the access and its per-port children, with the summaries the workflows
 * set, in a real headless Chromium (Debian's `chromium` driven by playwright-core).
 *
 * Own dev server WITH UI (the suite's shared one is headless), own sandbox (no Kafka: verification off),
 * own worker — all from `startDevStack`, the code `crossvpc dev` runs. Screenshots: test-artifacts/temporal-ui-*.png.
 */
import { claimAddressPrefix } from '../support/address-block.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevStack, sandboxRequest, type DevStack } from '../../src/cli/dev/stack.js';
import { projectRoot } from '../../src/devtools/tool-paths.js';
import { awaitAccessOutcome, startOrJoinAccess, type ProvisionOutcome } from '../../src/temporal/access-client.js';
import { freePort } from '../../src/temporal/dev-server.js';
import { accessWorkflowId, parseProvisionInput, portWorkflowId, type ProvisionInput } from '../../workflows/input.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(projectRoot, 'test-artifacts');
const UI_TIMEOUT = 30_000;

let stack: DevStack | undefined;
let context: BrowserContext | undefined;
let profileDir: string | undefined;
let input: ProvisionInput;
let outcome: ProvisionOutcome;
let ui: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the browser test needs Debian's chromium (apt-get install chromium) or CHROMIUM_PATH pointing to a Chromium binary`);
  }
  const uiPort = await freePort();
  stack = await startDevStack({
    temporalPort: await freePort(),
    uiPort,
    kafka: false,
    addressPrefix: await claimAddressPrefix(),
    taskQueue: `crossvpc-ui-${process.pid}`,
  });
  ui = stack.uiUrl ?? `http://127.0.0.1:${uiPort}`;
  const parsed = parseProvisionInput(sandboxRequest(stack.sandbox.ready, { verify: false }));
  if (!parsed.ok) throw new Error(parsed.message);
  input = parsed.input;
  outcome = await awaitAccessOutcome(await startOrJoinAccess(stack.client, stack.taskQueue, input));

  profileDir = mkdtempSync(join(tmpdir(), 'crossvpc-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 1000 },
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(UI_TIMEOUT);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await stack?.stop();
}, 60_000);

async function open(path: string): Promise<Page> {
  if (!context) throw new Error('no browser');
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${ui}${path}`, { waitUntil: 'domcontentloaded' });
  return page;
}

/** Text of the page including its frames: the UI renders user-metadata markdown in sandboxed iframes. */
async function allText(page: Page): Promise<string> {
  const parts = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 5_000 }).catch(() => '')));
  return parts.join('\n');
}

async function waitForText(page: Page, text: string): Promise<void> {
  await expect.poll(() => allText(page), { timeout: UI_TIMEOUT, message: `UI page ${page.url()} should show "${text}"` }).toContain(text);
}

function ports(): { portId: string; listenerIp: string; workflowId: string; summary: string }[] {
  const parent = accessWorkflowId(input.instanceId);
  return outcome.ports.map((p) => ({
    portId: p.portId,
    listenerIp: p.listenerIp,
    workflowId: portWorkflowId(parent, p.portId),
    summary: `VPC endpoint for broker ${p.listenerIp} (port ${p.portId})`,
  }));
}

describe('Temporal UI', () => {
  it('the provisioning ran (unverified: no Kafka in this sandbox) with one child per broker port', () => {
    expect(outcome.result?.status).toBe('unverified');
    expect(outcome.ports).toHaveLength(stack?.sandbox.ready.instances[0]?.brokers ?? 3);
  });

  it('the workflow list, filtered by the CrossVpcInstanceId search attribute, shows the access and its per-port children', async () => {
    const query = `CrossVpcInstanceId="${input.instanceId}"`;
    const page = await open(`/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const parentId = accessWorkflowId(input.instanceId);
    // Links whose text is exactly the workflow id (the list renders one per row).
    await expect.poll(() => page.getByRole('link', { name: parentId, exact: true }).count(), { timeout: UI_TIMEOUT }).toBeGreaterThan(0);
    for (const p of ports()) {
      await page.getByRole('link', { name: p.workflowId, exact: true }).first().waitFor();
    }
    const body = await page.locator('body').innerText();
    expect(body).toContain('provisionCrossVpcAccess');
    expect(body).toContain('provisionPortEndpoint');
    await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-list.png'), fullPage: true });
  });

  it("the access's User Metadata tab shows its summary, details and live current details (phase, one row per port)", async () => {
    const parentId = accessWorkflowId(input.instanceId);
    const page = await open(`/namespaces/default/workflows/${encodeURIComponent(parentId)}/${outcome.runId}/user-metadata`);
    const summary = `Cross-VPC access to Kafka ${input.instanceId} from VPC ${input.clientVpcId}`;
    await page.getByText('Current Details', { exact: true }).waitFor();
    await waitForText(page, summary);
    await waitForText(page, 'same account');
    // Current details come from the running worker (a query): wait until they are rendered.
    await waitForText(page, 'phase unverified');
    const text = await allText(page);
    for (const p of ports()) expect(text).toContain(p.portId);
    await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-access-summary.png'), fullPage: true });
  });

  it("the access's timeline names each child by its summary and each activity by its summary", async () => {
    const parentId = accessWorkflowId(input.instanceId);
    const page = await open(`/namespaces/default/workflows/${encodeURIComponent(parentId)}/${outcome.runId}/timeline`);
    for (const p of ports()) await page.getByText(p.summary).first().waitFor();
    await page.getByText(`read DMS instance ${input.instanceId}`).first().waitFor();
    await page.getByText('crossvpc/modify: advertise the endpoint IPs').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'temporal-ui-timeline.png'), fullPage: true });
  });

  it('the Relationships tab lists the per-port children; a child shows its own summary', async () => {
    const parentId = accessWorkflowId(input.instanceId);
    const page = await open(`/namespaces/default/workflows/${encodeURIComponent(parentId)}/${outcome.runId}/relationships`);
    for (const p of ports()) await page.getByText(p.workflowId, { exact: true }).first().waitFor();

    const child = ports()[0];
    if (!child) throw new Error('no port');
    const childPage = await open(`/namespaces/default/workflows/${encodeURIComponent(child.workflowId)}`);
    await childPage.getByRole('tab', { name: /User Metadata/ }).or(childPage.getByTestId('user-metadata-tab')).first().click();
    await waitForText(childPage, child.summary);
    await waitForText(childPage, `(listener ${child.listenerIp}): ready`);
    await childPage.screenshot({ path: join(ARTIFACTS, 'temporal-ui-port-summary.png'), fullPage: true });
  });
});
