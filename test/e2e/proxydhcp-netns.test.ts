import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbePlan, ProbeReply } from './support/netns-dhcp-probe';
import { jsonLines, nodeScript, REPO_ROOT } from './support/netns-node';
import { createNetnsLab, type Link, type Namespace, type NetnsLab, netnsUnavailableReason } from './support/netns';
import { DNSMASQ, spawnSiteDhcp, watchOutput, type ChildOutput } from './support/proxydhcp-lab';

/**
 * Marrow's ProxyDHCP on a real (virtual) LAN next to the site's own DHCP server.
 *
 *   lan:    bridge br0
 *   site:   10.77.0.1  dnsmasq, plain DHCP (addresses only, no boot options)
 *   edge:   10.77.0.2  Marrow's ProxyDHCP (ports 67 and 4011), as its own node process
 *   client: no address, a default route on its link: a raw DHCP client sends like a PXE ROM
 *
 * Every packet stays inside these namespaces.
 */
const SITE = '10.77.0.1';
const EDGE = '10.77.0.2';
const BOOT_URL = `http://${EDGE}:8080/boot.ipxe`;
const BROADCAST = { address: '255.255.255.255', port: 67 };
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((path) => existsSync(path));

const skipReason =
  (await netnsUnavailableReason()) ?? (DNSMASQ ? undefined : 'dnsmasq is not installed (run test/e2e/install-packages.sh)');
if (skipReason) console.warn(`proxydhcp-netns: skipped — ${skipReason}`);

describe.skipIf(skipReason !== undefined)(`ProxyDHCP next to the site's DHCP server, in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let lab: NetnsLab;
  let work: string;
  let site: Namespace;
  let client: Namespace;
  let clientLink: Link;
  let marrow: ChildOutput;

  const marrowOptions = (interfaceAddress: string) => ({
    address: '0.0.0.0',
    interfaceAddress,
    config: {
      serverAddress: interfaceAddress,
      tftpServer: interfaceAddress,
      httpBootUrl: BOOT_URL,
      bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
    },
  });

  async function probe(plan: ProbePlan): Promise<ProbeReply[]> {
    const [node, args] = nodeScript('netns-dhcp-probe.ts', plan);
    const { stdout } = await lab.run(client, node, args, plan.listenMs + 15_000);
    return jsonLines<ProbeReply>(stdout);
  }

  function marrowLog(message: string): Array<Record<string, unknown>> {
    return jsonLines(marrow.output()).filter((line) => line.message === message);
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'marrow-proxydhcp-'));
    lab = await createNetnsLab('pdhcp');
    const lan = await lab.namespace('lan');
    const bridge = await lab.bridge(lan);
    site = await lab.namespace('site');
    const edge = await lab.namespace('edge');
    client = await lab.namespace('client');
    await lab.attach(site, bridge, `${SITE}/24`);
    await lab.attach(edge, bridge, `${EDGE}/24`);
    clientLink = await lab.attach(client, bridge);
    // An unconfigured PXE ROM still broadcasts on its link; a route lets a plain socket do so.
    await lab.run(client, 'ip', ['route', 'add', 'default', 'dev', clientLink.device]);

    const dnsmasq = spawnSiteDhcp(lab, site, work, '10.77.0.100,10.77.0.150,255.255.255.0,1h');
    await dnsmasq.waitFor((output) => output.includes('DHCP, IP range'), 10_000);

    const [node, args] = nodeScript('netns-proxydhcp-server.ts', marrowOptions(EDGE));
    marrow = watchOutput(lab.spawn(edge, node, args, { cwd: REPO_ROOT }));
    await marrow.waitFor((output) => output.includes('"event":"ready"'), 20_000);
  });

  afterAll(async () => {
    await lab?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  let firstRound: ProbeReply[] = [];

  it('the site DHCP server offers addresses; Marrow offers only boot files, to PXE clients only', async () => {
    firstRound = await probe({
      listenMs: 3000,
      requests: [
        { client: 'legacy-bios', xid: 0x101, mac: '52:54:00:77:01:01', to: BROADCAST },
        { client: 'ovmf', xid: 0x102, mac: '52:54:00:77:01:02', to: BROADCAST },
        { client: 'seabios-ipxe', xid: 0x103, mac: '52:54:00:77:01:03', broadcast: true, to: BROADCAST },
        { client: 'udhcpc', xid: 0x104, mac: '52:54:00:77:01:04', broadcast: true, to: BROADCAST },
      ],
    });
    const from = (xid: number, server: string) => firstRound.filter((reply) => reply.xid === xid && reply.from === `${server}:67`);

    for (const xid of [0x101, 0x102, 0x103, 0x104]) {
      const [offer, ...more] = from(xid, SITE);
      expect(more).toEqual([]);
      expect(offer?.type).toBe(2);
      expect(offer?.yiaddr).toMatch(/^10\.77\.0\.1[0-5]\d$/);
    }
    const expected = new Map([
      [0x101, 'undionly.kpxe'], // BIOS PXE ROM, arch 0
      [0x102, 'snponly.efi'], // OVMF, arch 7
      [0x103, BOOT_URL], // already iPXE: straight to the HTTP script
    ]);
    for (const [xid, file] of expected) {
      const offers = from(xid, EDGE);
      expect(offers).toHaveLength(1);
      expect(offers[0]).toMatchObject({ type: 2, yiaddr: '0.0.0.0', siaddr: EDGE, serverIdentifier: EDGE, vendorClass: 'PXEClient', file });
      expect(offers[0]!.vendorOptions).toBe('060108ff'); // 43: PXE_DISCOVERY_CONTROL = 8, End
    }
    expect(from(0x102, EDGE)[0]!.uuid).toBe('00'.repeat(17)); // OVMF's all-zero option 97, echoed
    expect(from(0x104, EDGE)).toEqual([]); // not a PXE client: silence
    expect(marrowLog('proxy DHCPOFFER sent')).toHaveLength(3);
    expect(marrowLog('not a PXE client: silent').map((line) => line.xid)).toContain(0x104);
  });

  it('a boot server request to port 4011 gets a DHCPACK with the boot file, unicast', async () => {
    // The client configures the address the site's DHCP server offered, as a ROM does after its DHCPACK.
    const offered = firstRound.find((reply) => reply.xid === 0x102 && reply.from === `${SITE}:67`)!.yiaddr;
    await lab.addAddress(clientLink, `${offered}/24`);
    const to = { address: EDGE, port: 4011 };
    const request = { messageType: 3, ciaddr: offered, serverIdentifier: EDGE, to };
    const replies = await probe({
      listenMs: 5000,
      expectReplies: 3,
      requests: [
        { client: 'ovmf', xid: 0x202, mac: '52:54:00:77:01:02', ...request },
        { client: 'legacy-bios', xid: 0x201, mac: '52:54:00:77:01:01', bootItem: { type: 0, layer: 0 }, ...request },
        { client: 'seabios-ipxe', xid: 0x203, mac: '52:54:00:77:01:03', ...request },
      ],
    });
    const ack = (xid: number) => replies.find((reply) => reply.xid === xid);
    for (const [xid, file] of [[0x202, 'snponly.efi'], [0x201, 'undionly.kpxe'], [0x203, BOOT_URL]] as const) {
      expect(ack(xid)).toMatchObject({ from: `${EDGE}:4011`, type: 5, yiaddr: '0.0.0.0', ciaddr: offered, siaddr: EDGE, serverIdentifier: EDGE, file });
    }
    expect(ack(0x201)!.vendorOptions).toBe('0601084704' + '00000000' + 'ff'); // boot item 71 echoed
  });

  it('a DHCPREQUEST on 67 that takes its addressless offer as a lease gets no DHCPACK, and is logged', async () => {
    const mac = '52:54:00:77:01:05';
    const replies = await probe({
      listenMs: 2000,
      requests: [{ client: 'legacy-bios', xid: 0x301, mac, messageType: 3, serverIdentifier: EDGE, to: BROADCAST }],
    });
    expect(replies.filter((reply) => reply.from.startsWith(`${EDGE}:`))).toEqual([]);
    expect(marrowLog('proxy DHCPACK sent').filter((line) => line.xid === 0x301)).toEqual([]);
    expect(marrowLog('DHCPREQUEST selecting the proxy offer as a lease: silent')).toContainEqual(
      expect.objectContaining({ mac, xid: 0x301, level: 'warn' }),
    );
  });

  it.skipIf(!BUSYBOX)('busybox udhcpc: a real DHCP client gets its lease from the site, Marrow answers it only as a PXE client', async () => {
    // udhcpc exits 1 ("no lease, failing") under -n; its messages go to stderr either way.
    const udhcpc = async (vendorClass: string, extra: string[] = []) => {
      const args = ['udhcpc', '-i', clientLink.device, '-f', '-q', '-n', '-t', '3', '-T', '1', '-s', '/bin/true', '-V', vendorClass, ...extra];
      try {
        return { leased: true, output: (await lab.run(client, BUSYBOX!, args, 20_000)).stderr };
      } catch (error) {
        return { leased: false, output: String((error as { stderr?: string }).stderr ?? error) };
      }
    };
    const { stdout } = await lab.run(client, 'ip', ['-j', 'link', 'show', clientLink.device]);
    const mac = (JSON.parse(stdout) as Array<{ address: string }>)[0]!.address;
    const forThisClient = (message: string) => marrowLog(message).filter((line) => line.mac === mac);

    const plain = await udhcpc('udhcp-plain');
    expect(plain.leased).toBe(true);
    expect(plain.output).toMatch(new RegExp(`lease of 10\\.77\\.0\\.1[0-5]\\d obtained from ${SITE.replaceAll('.', '\\.')}`));
    expect(forThisClient('proxy DHCPOFFER sent')).toEqual([]);

    const pxeClass = await udhcpc('PXEClient:Arch:00000:UNDI:002001', ['-x', '0x5d:0000']);
    // Marrow's log reaches this process through a pipe, maybe after udhcpc has exited.
    await marrow.waitFor(() => forThisClient('proxy DHCPOFFER sent').length > 0, 5000);
    const offers = forThisClient('proxy DHCPOFFER sent');
    expect(offers.length).toBeGreaterThanOrEqual(1);
    expect(offers[0]).toMatchObject({ architecture: 0, file: 'undionly.kpxe' });
    // udhcpc takes whichever offer comes first. The site's leads to its lease; Marrow's has
    // no address, so Marrow leaves the request that selects it unanswered rather than
    // confirm a lease of 0.0.0.0.
    expect(forThisClient('proxy DHCPACK sent')).toEqual([]);
    const selectedMarrow = forThisClient('DHCPREQUEST selecting the proxy offer as a lease: silent').length > 0;
    expect(pxeClass.output).not.toContain('lease of 0.0.0.0');
    if (!selectedMarrow) expect(pxeClass.leased).toBe(true);
    if (pxeClass.leased) expect(pxeClass.output).toContain(`obtained from ${SITE}`);
  });

  it("refuses to start where the site's DHCP server already holds port 67, and says what to do", async () => {
    const [node, args] = nodeScript('netns-proxydhcp-server.ts', marrowOptions(SITE));
    const attempt = watchOutput(lab.spawn(site, node, args, { cwd: REPO_ROOT }));
    await attempt.waitFor((output) => output.includes('"event":"error"'), 20_000);
    const [error] = jsonLines(attempt.output()).filter((line) => line.event === 'error');
    expect(error).toMatchObject({
      name: 'ProxyDhcpPortInUseError',
      message: `port 67 is in use (${SITE}:67) — the site's DHCP server or dnsmasq runs here; use the site DHCP's options 66/67 and turn ProxyDHCP off`,
    });
  });
});
