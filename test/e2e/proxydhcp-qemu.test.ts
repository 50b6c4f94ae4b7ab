import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, nodeScript, REPO_ROOT } from './support/netns-node';
import { type Bridge, createNetnsLab, type Namespace, type NetnsLab, netnsUnavailableReason } from './support/netns';
import { DNSMASQ, spawnSiteDhcp, watchOutput, type ChildOutput } from './support/proxydhcp-lab';

/**
 * Real PXE firmware against Marrow's ProxyDHCP: a QEMU VM (TCG) PXE-boots on a bridge
 * where the site's dnsmasq hands out addresses only and Marrow says what to boot. A
 * recorder stands in for TFTP and HTTP on the edge, so what is checked is the firmware's
 * next move after DHCP: it fetching the file Marrow named proves it accepted the proxy offer.
 *
 * - OVMF's own PXE (NIC ROM disabled): arch 7, no iPXE → TFTP read of snponly.efi.
 * - SeaBIOS with QEMU's iPXE NIC ROM: already iPXE → HTTP GET /boot.ipxe. (iPXE skips the
 *   ProxyDHCPREQUEST to 4011 when the offer already has siaddr and a file name.)
 */
const SITE = '10.77.2.1';
const EDGE = '10.77.2.2';
const QEMU = '/usr/bin/qemu-system-x86_64';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** QEMU's default virtio-net ROM: iPXE (BIOS and UEFI images in one file). */
const IPXE_ROM = '/usr/lib/ipxe/qemu/efi-virtio.rom';

const missing = [QEMU, OVMF_CODE, OVMF_VARS, IPXE_ROM].find((path) => !existsSync(path));
const skipReason =
  (await netnsUnavailableReason()) ??
  (DNSMASQ ? undefined : 'dnsmasq is not installed (run test/e2e/install-packages.sh)') ??
  (missing ? `${missing} is missing (run test/e2e/install-packages.sh)` : undefined);
if (skipReason) console.warn(`proxydhcp-qemu: skipped — ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`real PXE firmware accepts Marrow's proxy offers${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lab: NetnsLab;
  let work: string;
  let lan: Namespace;
  let bridge: Bridge;
  let recorder: ChildOutput;
  let marrow: ChildOutput;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'marrow-proxydhcp-qemu-'));
    lab = await createNetnsLab('pqemu');
    lan = await lab.namespace('lan');
    bridge = await lab.bridge(lan);
    const site = await lab.namespace('site');
    const edge = await lab.namespace('edge');
    await lab.attach(site, bridge, `${SITE}/24`);
    await lab.attach(edge, bridge, `${EDGE}/24`);

    const dnsmasq = spawnSiteDhcp(lab, site, work, '10.77.2.100,10.77.2.150,255.255.255.0,1h');
    expect(await dnsmasq.until((output) => output.includes('DHCP, IP range'), 10_000)).toBe(true);

    const [node, serverArgs] = nodeScript('netns-proxydhcp-server.ts', {
      address: '0.0.0.0',
      interfaceAddress: EDGE,
      config: {
        serverAddress: EDGE,
        tftpServer: EDGE,
        httpBootUrl: `http://${EDGE}:8080/boot.ipxe`,
        bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
      },
    });
    marrow = watchOutput(lab.spawn(edge, node, serverArgs, { cwd: REPO_ROOT }));
    expect(await marrow.until((output) => output.includes('"event":"ready"'), 20_000)).toBe(true);

    const [, recorderArgs] = nodeScript('netns-boot-recorder.ts', { address: EDGE, tftpPort: 69, httpPort: 8080 });
    recorder = watchOutput(lab.spawn(edge, node, recorderArgs, { cwd: REPO_ROOT }));
    expect(await recorder.until((output) => output.includes('"event":"ready"'), 20_000)).toBe(true);
  });

  afterAll(async () => {
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Boots a VM until `done` holds for the recorder's lines (or 150 s); the VM is then stopped. */
  async function boot(label: string, machineArgs: string[], done: (lines: Array<Record<string, unknown>>) => boolean) {
    const tap = await lab.tap(bridge);
    const serial = join(work, `${label}.serial.log`);
    const vm = lab.spawn(lan, QEMU, [
      '-accel', 'tcg', '-m', '256', '-smp', '1', '-display', 'none', '-no-reboot', '-monitor', 'none',
      '-serial', `file:${serial}`,
      '-netdev', `tap,id=n0,ifname=${tap},script=no,downscript=no`,
      ...machineArgs,
    ]);
    const vmOutput = watchOutput(vm);
    const finished = await recorder.until((output) => done(jsonLines(output)), 150_000);
    vm.kill('SIGKILL');
    if (!finished) {
      const console = await readFile(serial, 'latin1').catch(() => '');
      throw new Error(`${label}: firmware never fetched the boot file.\nQEMU: ${vmOutput.output()}\nserial: ${console.slice(-3000)}\nMarrow: ${marrow.output().slice(-3000)}`);
    }
  }

  it('OVMF (UEFI x86-64, its own PXE) fetches snponly.efi over TFTP from the edge', async () => {
    const vars = join(work, 'OVMF_VARS.fd');
    await copyFile(OVMF_VARS, vars);
    await boot(
      'ovmf',
      [
        '-machine', 'q35',
        '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
        '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
        '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:77:02:07,romfile=,bootindex=1',
      ],
      (lines) => lines.some((line) => line.event === 'tftp'),
    );
    const requests = jsonLines(recorder.output()).filter((line) => line.event === 'tftp');
    expect(requests[0]).toMatchObject({ file: 'snponly.efi' });
    const offers = jsonLines(marrow.output()).filter((line) => line.mac === '52:54:00:77:02:07');
    expect(offers.some((line) => line.message === 'proxy DHCPOFFER sent' && line.architecture === 7)).toBe(true);
  });

  it('SeaBIOS + the iPXE NIC ROM chains the HTTP boot script named in the proxy offer', async () => {
    await boot(
      'seabios-ipxe',
      ['-boot', 'n', '-device', 'virtio-net-pci,netdev=n0,mac=52:54:00:77:02:00'],
      (lines) => lines.some((line) => line.event === 'http'),
    );
    const requests = jsonLines(recorder.output()).filter((line) => line.event === 'http');
    expect(requests[0]).toMatchObject({ path: '/boot.ipxe' });
    const answered = jsonLines(marrow.output()).filter((line) => line.mac === '52:54:00:77:02:00');
    expect(answered.some((line) => line.message === 'proxy DHCPOFFER sent' && line.ipxe === true)).toBe(true);
  });
});
