import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsUnavailableReason } from './support/netns';
import { REPO_ROOT } from './support/netns-node';
import { cleanSerial, HTTP_PORT, OVMF_CODE, OVMF_VARS, SITE_ADDRESS, type Firmware, type PxeSite, type VmRun } from './support/pxe-lab';
import { PxeLabRun } from './support/pxe-lab-run';
import type { SyncResult } from './support/pxe-site';

/**
 * Real PXE firmware against Marrow, end to end, on a virtual LAN in network namespaces:
 *
 *   QEMU (TCG) ── tap0 ── br0 (site netns) ── eth0 (dhcp netns)
 *                          10.77.0.1: Marrow — control plane (API) and an enrolled edge:
 *                                     ProxyDHCP 67/4011, TFTP 69 (Debian ipxe), HTTP 8080
 *                                     (boot.ipxe + the imaging environment)
 *                                                 10.77.0.2: dnsmasq, the site's plain DHCP
 *                                                 server (addresses only) + IPv6 RAs
 *
 * The imaging environment is a test build (support/pxe-build-test-env.sh: Debian's kernel
 * and a busybox initramfs) whose /init prints the marrow.* kernel arguments as
 * `MARROW-E2E mode=… mac=… deployment=… master=…` on the serial console and powers off.
 *
 * This process stays in the root namespace and sends nothing into the lab: it drives the
 * Marrow side (support/pxe-site.ts, a child in the site namespace) over stdio, and watches
 * the VMs' serial logs. Runs as root (namespaces, tap, port 67); skipped otherwise.
 *
 * The scenarios run in order and build on each other: (b) sets the entity's classic menu
 * that (d) and (c) boot, and (c) stops the control plane for good. One VM at a time.
 */
const exec = promisify(execFile);

const MAC = {
  armed: '52:54:00:77:00:42',
  menu: '52:54:00:77:00:43',
  efi: '52:54:00:77:00:44',
  unknown: '52:54:00:77:00:99',
};
const MARKER = /MARROW-E2E [^\r\n]*/;
const REQUIRED = ['qemu-system-x86_64', 'cpio', 'busybox', 'dnsmasq'];
const REQUIRED_FILES = ['/usr/lib/ipxe/qemu/pxe-virtio.rom', '/usr/lib/ipxe/snponly.efi', '/bin/busybox'];

const skipReason = await netnsUnavailableReason();
if (skipReason) console.warn(`pxe-boot: skipped — ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`PXE boot with real firmware (QEMU TCG)${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  const lab = new PxeLabRun('pxe-boot');
  const timings = lab.timings;
  let site: PxeSite;
  let entityId: string;

  beforeAll(() => lab.setUp(async () => {
    const started = Date.now();
    await lab.installMissing(REQUIRED, REQUIRED_FILES);
    const built = await exec('bash', [join(REPO_ROOT, 'test/e2e/support/pxe-build-test-env.sh')], { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    const imagingDir = built.stdout.trim().split('\n').at(-1)!;
    timings.push(`setup: test imaging environment ${Date.now() - started} ms`);

    await lab.makeWork('marrow-pxe-');
    site = await lab.startSite({
      imagingDir,
      kernelArgs: 'console=ttyS0 panic=-1',
      adminPassword: `pxe-e2e-${process.pid}-${Date.now()}`,
    });
    expect(site.ready!.edgeHttpUrl).toBe(`http://${SITE_ADDRESS}:${HTTP_PORT}`);
    expect(site.ready!.tftpPort).toBe(69);
    expect(site.ready!.proxyDhcpPorts).toEqual({ dhcp: 67, pxe: 4011 });
    const entities = await site.api<{ items: { id: string; name: string }[] }>('get', '/v1/entities');
    entityId = entities.items[0]!.id;
    timings.push(`setup: total ${Date.now() - started} ms`);
  }));

  afterAll(() => lab.tearDown());

  const clean = cleanSerial;
  const diagnostics = (run: VmRun | undefined, note = '') => lab.diagnostics(run, note);

  async function boot(name: string, mac: string, firmware: Firmware, until: RegExp, awaitPoweroff = true): Promise<VmRun> {
    return lab.bootVm({ name, mac, firmware, until, awaitPoweroff, timeoutMs: firmware === 'uefi' ? 150_000 : 120_000 });
  }

  async function expectMarker(run: VmRun, expected: string): Promise<void> {
    const marker = MARKER.exec(run.serial)?.[0]?.trim();
    expect(marker, await diagnostics(run, `expected the serial console to show "${expected}"`)).toBe(expected);
  }

  /** How many proxy DHCPOFFERs Marrow's edge has logged so far. */
  const proxyOffers = () => site.log().match(/ProxyDHCP: proxy DHCPOFFER sent/g)?.length ?? 0;

  async function sync(): Promise<SyncResult> {
    return site.call<SyncResult>({ cmd: 'sync' });
  }

  async function bootScript(mac: string, platform = 'pcbios'): Promise<string> {
    const answer = await site.call<{ status: number; text: string }>({ cmd: 'bootScript', mac, platform });
    // Each boot gets its own one-time imaging session token; compare scripts without it.
    answer.text = answer.text.replace(/marrow\.token=[A-Za-z0-9_-]+/g, 'marrow.token=TOKEN');
    expect(answer.status, answer.text).toBe(200);
    return answer.text;
  }

  async function registerMachine(mac: string, hostname: string): Promise<{ id: string }> {
    return site.api<{ id: string }>('post', '/v1/machines', { entityId, mac, hostname });
  }

  it('a. armed task: a deployment to lab-042 makes it PXE-boot straight into the imaging environment', async () => {
    lab.watchFailures();
    const started = Date.now();
    const machine = await registerMachine(MAC.armed, 'lab-042');
    const backup = await site.api<{ id: string }>('post', '/v1/backup-images', {
      machineId: machine.id,
      state: 'ready',
      sizeBytes: 8 * 1024 ** 3,
      compressedSizeBytes: 3 * 1024 ** 3,
    });
    const master = await site.api<{ id: string }>('post', `/v1/backup-images/${backup.id}/promote`, { description: 'pxe e2e' });
    const deployment = await site.api<{ id: string }>('post', '/v1/deployments', { masterId: master.id, machineIds: [machine.id] });

    const synced = await sync();
    expect(synced.controlPlaneReachable, synced.lastError ?? '').toBe(true);
    expect(synced.armedTasks).toContainEqual({ mac: MAC.armed, deploymentId: deployment.id });
    expect(await bootScript(MAC.armed)).toContain(`marrow.mode=deploy marrow.server=http://${SITE_ADDRESS}:${HTTP_PORT} marrow.mac=${MAC.armed}`);

    const offers = proxyOffers();
    const run = await boot('a-armed-task', MAC.armed, 'bios', MARKER);
    await expectMarker(run, `MARROW-E2E mode=deploy mac=${MAC.armed} deployment=${deployment.id} master=${master.id}`);
    // The boot URL came from Marrow's ProxyDHCP (dnsmasq hands out addresses only). iPXE takes
    // it from the proxy offer: an offer with PXE options (43) needs no ProxyDHCPREQUEST on 4011.
    expect(proxyOffers() - offers, await diagnostics(run, 'expected a proxy DHCPOFFER from Marrow')).toBeGreaterThanOrEqual(1);
    expect(clean(run.serial), await diagnostics(run)).toContain(`Filename: http://${SITE_ADDRESS}:${HTTP_PORT}/boot.ipxe`);
    timings.push(`a: scenario ${Date.now() - started} ms`);
  });

  it('b. default menu: a registered machine boots the entity\'s classic default (backup) after the timeout; an unknown one is offered registration', async () => {
    lab.watchFailures();
    const started = Date.now();
    await registerMachine(MAC.menu, 'lab-043');
    const services = await site.api<{ items: { id: string; kind: string; enabled: boolean }[] }>('get', `/v1/boot-services?entityId=${entityId}`);
    const backup = services.items.find((s) => s.kind === 'backup' && s.enabled);
    expect(backup, JSON.stringify(services.items)).toBeDefined();
    await site.api('put', `/v1/entities/${entityId}/startup-menu`, { classic: { defaultItemId: backup!.id, timeoutSeconds: 1 } });
    await sync();
    expect(await bootScript(MAC.menu)).toContain('choose --default marrow_item_');

    const run = await boot('b-default-menu', MAC.menu, 'bios', MARKER);
    await expectMarker(run, `MARROW-E2E mode=backup mac=${MAC.menu} deployment=- master=-`);
    expect(clean(run.serial), await diagnostics(run)).toContain('Marrow - General - lab-043');

    // Unknown MAC: the menu says so and offers registration. Its default is the local disk
    // (the classic default, "backup", is not offered to unknown machines), which on a blank
    // disk ends nowhere useful: stop the VM once the whole menu is on the console. iPXE draws the
    // title and each item in turn, so wait for all three, not just the first one drawn.
    const wholeMenu = /^(?=[\s\S]*this machine is not registered)(?=[\s\S]*Register this machine)(?=[\s\S]*Boot from local disk)/;
    const unknown = await boot('b-unknown-mac', MAC.unknown, 'bios', wholeMenu, false);
    expect(unknown.outcome, await diagnostics(unknown, 'expected iPXE to show the "not registered" menu')).toBe('matched');
    expect(clean(unknown.serial), await diagnostics(unknown)).toContain('Register this machine');
    expect(clean(unknown.serial), await diagnostics(unknown)).toContain('Boot from local disk');
    expect(MARKER.test(unknown.serial), await diagnostics(unknown, 'an unknown machine must not boot imaging by default')).toBe(false);
    timings.push(`b: scenario ${Date.now() - started} ms`);
  });

  it('d. UEFI: OVMF\'s own PXE gets snponly.efi from Marrow\'s TFTP, then iPXE boots the same menu over HTTP', async (context) => {
    // Checked here, not at collection: beforeAll may just have installed it.
    if (!existsSync(OVMF_CODE) || !existsSync(OVMF_VARS)) context.skip(`OVMF is not installed (${OVMF_CODE})`);
    lab.watchFailures();
    const started = Date.now();
    await registerMachine(MAC.efi, 'lab-044');
    await sync();
    expect(await bootScript(MAC.efi, 'efi')).toContain('marrow.mode=backup');

    const offers = proxyOffers();
    const run = await boot('d-uefi', MAC.efi, 'uefi', MARKER);
    await expectMarker(run, `MARROW-E2E mode=backup mac=${MAC.efi} deployment=- master=-`);
    // OVMF's PXE (no iPXE, arch 7) was offered snponly.efi and fetched it from Marrow's TFTP
    // (the only TFTP server in the lab); that iPXE asked again and got the HTTP boot URL.
    const serial = clean(run.serial);
    expect(serial, await diagnostics(run)).toMatch(new RegExp(`Server IP address is ${SITE_ADDRESS.replace(/\./g, '\\.')}\\s+NBP filename is snponly\\.efi`));
    expect(serial, await diagnostics(run)).toContain('NBP file downloaded successfully');
    expect(serial, await diagnostics(run)).toMatch(/using SNP on SNP-/);
    expect(proxyOffers() - offers, await diagnostics(run, 'expected two proxy offers: firmware PXE, then iPXE')).toBeGreaterThanOrEqual(2);
    timings.push(`d: scenario ${Date.now() - started} ms`);
  });

  it('c. control plane stopped: the edge serves the same menu from its stored snapshot', async () => {
    lab.watchFailures();
    const started = Date.now();
    const before = await bootScript(MAC.menu);
    await site.call({ cmd: 'stopControlPlane' });
    const synced = await sync();
    expect(synced.controlPlaneReachable).toBe(false);
    expect(synced.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(await bootScript(MAC.menu)).toBe(before);

    const run = await boot('c-control-plane-down', MAC.menu, 'bios', MARKER);
    await expectMarker(run, `MARROW-E2E mode=backup mac=${MAC.menu} deployment=- master=-`);
    timings.push(`c: scenario ${Date.now() - started} ms`);
  });
});
