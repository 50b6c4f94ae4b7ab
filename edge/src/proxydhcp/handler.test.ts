import { describe, expect, it } from 'vitest';
import { decodeDhcpPacket } from './decode';
import { DhcpMessageType, DhcpOption, PxeDiscoveryControl, PxeVendorOption } from './dhcp-options';
import { type DhcpPacket, messageTypeOf, optionAddress, optionText } from './dhcp-packet';
import { encodeDhcpPacket } from './encode';
import { createProxyDhcpHandler, type ProxyDhcpService } from './handler';
import { fixedProxyDhcpConfig, type ProxyDhcpConfig } from './proxy-dhcp-config';
import type { ProxyDhcpLog } from './proxy-dhcp-log';
import { decodePxeVendorOptions } from './pxe-vendor-options';
import {
  busyboxUdhcpc,
  type ClientShape,
  ipxeOnEfi,
  legacyBiosPxeRom,
  ovmfFirmware,
  seabiosIpxeRom,
  uefiPxeClient,
  windowsClient,
} from './testdata/pxe-clients';

const EDGE = '10.77.0.2';
const SITE_DHCP = '10.77.0.1';
const BOOT_URL = 'http://10.77.0.2:8080/boot.ipxe';

const baseConfig: ProxyDhcpConfig = {
  serverAddress: EDGE,
  tftpServer: EDGE,
  httpBootUrl: BOOT_URL,
  bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
};

interface LogLine {
  level: keyof ProxyDhcpLog;
  message: string;
  fields?: Record<string, unknown>;
}

/** Runs a request through the wire format and the handler; returns the replies and log lines. */
function exchange(request: DhcpPacket, service: ProxyDhcpService, config: ProxyDhcpConfig = baseConfig) {
  const lines: LogLine[] = [];
  const log: ProxyDhcpLog = {
    debug: (message, fields) => lines.push({ level: 'debug', message, fields }),
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
  };
  const handle = createProxyDhcpHandler({ config: fixedProxyDhcpConfig(config), log });
  const onWire = decodeDhcpPacket(encodeDhcpPacket(request));
  if (!onWire.ok) throw onWire.error;
  const replies: DhcpPacket[] = [];
  handle({ packet: onWire.packet, service }, (reply) => {
    // What the client receives: through the encoder and back.
    const received = decodeDhcpPacket(encodeDhcpPacket(reply));
    if (!received.ok) throw received.error;
    replies.push(received.packet);
  });
  return { replies, lines };
}

const discover = (shape: ClientShape = {}): ClientShape => ({ messageType: DhcpMessageType.Discover, ...shape });
const bootServerRequest: ClientShape = { messageType: DhcpMessageType.Request, ciaddr: '10.77.0.100', serverIdentifier: EDGE };

describe('ProxyDHCP answers PXE clients with the boot file for their firmware', () => {
  const cases: Array<{ name: string; request: DhcpPacket; service: ProxyDhcpService; type: number; file: string }> = [
    { name: 'legacy BIOS PXE ROM, DHCPDISCOVER on 67', request: legacyBiosPxeRom(discover()), service: 'dhcp', type: DhcpMessageType.Offer, file: 'undionly.kpxe' },
    { name: 'OVMF (arch 7), DHCPDISCOVER on 67', request: ovmfFirmware(discover()), service: 'dhcp', type: DhcpMessageType.Offer, file: 'snponly.efi' },
    { name: 'UEFI x86-64 arch 9, DHCPDISCOVER on 67', request: uefiPxeClient(9), service: 'dhcp', type: DhcpMessageType.Offer, file: 'snponly.efi' },
    { name: 'SeaBIOS + iPXE ROM (175, user class iPXE)', request: seabiosIpxeRom(discover()), service: 'dhcp', type: DhcpMessageType.Offer, file: BOOT_URL },
    { name: 'chained snponly.efi (iPXE on UEFI)', request: ipxeOnEfi(discover()), service: 'dhcp', type: DhcpMessageType.Offer, file: BOOT_URL },
    { name: 'OVMF boot server request on 4011', request: ovmfFirmware(bootServerRequest), service: 'boot-server', type: DhcpMessageType.Ack, file: 'snponly.efi' },
    { name: 'iPXE ProxyDHCPREQUEST on 4011', request: seabiosIpxeRom(bootServerRequest), service: 'boot-server', type: DhcpMessageType.Ack, file: BOOT_URL },
  ];

  it.each(cases)('$name → $file', ({ request, service, type, file }) => {
    const { replies, lines } = exchange(request, service);
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(messageTypeOf(reply)).toBe(type);
    expect(reply.op).toBe(2);
    expect(reply.xid).toBe(request.xid);
    expect(reply.chaddr).toEqual(request.chaddr);
    expect(reply.flags).toBe(request.flags);
    expect(reply.yiaddr).toBe('0.0.0.0'); // a proxy never hands out addresses
    expect(reply.siaddr).toBe(EDGE);
    expect(reply.file).toBe(file);
    expect(optionAddress(reply, DhcpOption.ServerIdentifier)).toBe(EDGE);
    expect(optionText(reply, DhcpOption.VendorClassIdentifier)).toBe('PXEClient');
    expect(reply.options.has(DhcpOption.BootfileName)).toBe(false);
    expect(reply.ciaddr).toBe(type === DhcpMessageType.Ack ? request.ciaddr : '0.0.0.0');
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(1);
  });

  it('sets PXE_DISCOVERY_CONTROL bit 3 so ROMs boot the offered file without discovery', () => {
    const [reply] = exchange(legacyBiosPxeRom(), 'dhcp').replies;
    const vendor = decodePxeVendorOptions(reply!.options.get(DhcpOption.VendorSpecific)!);
    expect(vendor?.get(PxeVendorOption.DiscoveryControl)).toEqual(Uint8Array.of(PxeDiscoveryControl.UseBootFileFromOffer));
    // The encoded option 43 ends with the PXE End sub-option (255).
    expect(reply!.options.get(DhcpOption.VendorSpecific)!.at(-1)).toBe(255);
  });

  it('echoes option 97 exactly as sent, all zeros included (OVMF without -uuid)', () => {
    const request = ovmfFirmware();
    const [reply] = exchange(request, 'dhcp').replies;
    expect(reply!.options.get(DhcpOption.ClientMachineIdentifier)).toEqual(request.options.get(DhcpOption.ClientMachineIdentifier));
    expect(reply!.options.get(DhcpOption.ClientMachineIdentifier)).toEqual(new Uint8Array(17));
  });

  it('sends no option 97 to a client that sent none', () => {
    const request = legacyBiosPxeRom();
    const options = new Map(request.options);
    options.delete(DhcpOption.ClientMachineIdentifier);
    const [reply] = exchange({ ...request, options }, 'dhcp').replies;
    expect(reply!.options.has(DhcpOption.ClientMachineIdentifier)).toBe(false);
  });

  it('echoes the boot item (43.71) of a boot server request', () => {
    const request = legacyBiosPxeRom({ ...bootServerRequest, bootItem: { type: 0, layer: 0 } });
    const [reply] = exchange(request, 'boot-server').replies;
    const vendor = decodePxeVendorOptions(reply!.options.get(DhcpOption.VendorSpecific)!);
    expect(vendor?.get(PxeVendorOption.BootItem)).toEqual(Uint8Array.of(0, 0, 0, 0));
  });

  it('keeps giaddr so a relay can forward the offer', () => {
    const [reply] = exchange({ ...legacyBiosPxeRom(), giaddr: '10.77.5.1' }, 'dhcp').replies;
    expect(reply!.giaddr).toBe('10.77.5.1');
  });

  it('takes the architecture from option 60 when option 93 is missing', () => {
    const request = ovmfFirmware();
    const options = new Map(request.options);
    options.delete(DhcpOption.ClientSystemArchitecture);
    expect(exchange({ ...request, options }, 'dhcp').replies[0]!.file).toBe('snponly.efi');
  });

  it('uses the configured ipxe.efi, 32-bit and ARM64 files', () => {
    const config = { ...baseConfig, bootFiles: { bios: 'undionly.kpxe', efiX64: 'ipxe.efi', efiIa32: 'ipxe-ia32.efi', arm64: 'ipxe-arm64.efi' } };
    expect(exchange(ovmfFirmware(), 'dhcp', config).replies[0]!.file).toBe('ipxe.efi');
    expect(exchange(uefiPxeClient(6), 'dhcp', config).replies[0]!.file).toBe('ipxe-ia32.efi');
    expect(exchange(uefiPxeClient(11), 'dhcp', config).replies[0]!.file).toBe('ipxe-arm64.efi');
  });

  it('puts a boot URL longer than the file field into option 67 (RFC 2132 §9.5)', () => {
    const longUrl = `http://10.77.0.2:8080/boot.ipxe?${'x'.repeat(130)}`;
    const [reply] = exchange(seabiosIpxeRom(), 'dhcp', { ...baseConfig, httpBootUrl: longUrl }).replies;
    expect(reply!.file).toBe('');
    expect(optionText(reply!, DhcpOption.BootfileName)).toBe(longUrl);
  });
});

describe('ProxyDHCP stays silent when the request is not its to answer', () => {
  const cases: Array<{ name: string; request: DhcpPacket; service: ProxyDhcpService; level?: keyof ProxyDhcpLog }> = [
    { name: 'busybox udhcpc (not PXE)', request: busyboxUdhcpc(), service: 'dhcp', level: 'debug' },
    { name: 'Windows DHCP client (not PXE)', request: windowsClient(), service: 'dhcp', level: 'debug' },
    { name: 'UEFI HTTP boot (HTTPClient, not PXEClient)', request: httpClient(), service: 'dhcp', level: 'debug' },
    { name: 'PXE DHCPREQUEST on 67 selecting the site DHCP server', request: legacyBiosPxeRom({ messageType: DhcpMessageType.Request, serverIdentifier: SITE_DHCP }), service: 'dhcp' },
    { name: 'DHCPREQUEST on 67 taking this edge’s addressless offer as a lease (udhcpc with a PXE class)', request: legacyBiosPxeRom({ messageType: DhcpMessageType.Request, serverIdentifier: EDGE }), service: 'dhcp', level: 'warn' },
    { name: 'PXE DHCPREQUEST on 67 without a server identifier (renewal)', request: legacyBiosPxeRom({ messageType: DhcpMessageType.Request }), service: 'dhcp' },
    { name: 'DHCPDISCOVER on 4011', request: legacyBiosPxeRom(), service: 'boot-server' },
    { name: 'DHCPINFORM', request: legacyBiosPxeRom({ messageType: DhcpMessageType.Inform, ciaddr: '10.77.0.100' }), service: 'dhcp' },
    { name: 'DHCPRELEASE', request: legacyBiosPxeRom({ messageType: DhcpMessageType.Release }), service: 'dhcp' },
    { name: 'a BOOTREPLY (another server’s offer)', request: { ...legacyBiosPxeRom(), op: 2 }, service: 'dhcp' },
    { name: 'no message type (BOOTP)', request: withoutOption(legacyBiosPxeRom(), DhcpOption.MessageType), service: 'dhcp' },
    { name: 'PXE client of an architecture without a boot file (Itanium)', request: uefiPxeClient(2), service: 'dhcp', level: 'warn' },
    { name: 'ARM64 UEFI when no arm64 file is configured', request: uefiPxeClient(11), service: 'dhcp', level: 'warn' },
    { name: 'PXEClient without any architecture', request: bareVendorClass(), service: 'dhcp', level: 'warn' },
  ];

  it.each(cases)('$name', ({ request, service, level }) => {
    const { replies, lines } = exchange(request, service);
    expect(replies).toEqual([]);
    if (level) expect(lines.map((line) => line.level)).toEqual([level]);
    else expect(lines).toEqual([]);
  });

  it('logs the MAC and vendor class of a PXE client it cannot serve', () => {
    const { lines } = exchange(uefiPxeClient(2), 'dhcp');
    expect(lines[0]!.fields).toMatchObject({ mac: '52:54:00:77:00:10', architecture: 2, vendorClass: 'PXEClient:Arch:00002:UNDI:003000' });
  });
});

function withoutOption(packet: DhcpPacket, code: number): DhcpPacket {
  const options = new Map(packet.options);
  options.delete(code);
  return { ...packet, options };
}

function httpClient(): DhcpPacket {
  const packet = uefiPxeClient(16);
  const options = new Map(packet.options);
  options.set(DhcpOption.VendorClassIdentifier, Uint8Array.from(Buffer.from('HTTPClient:Arch:00016:UNDI:003000')));
  return { ...packet, options };
}

function bareVendorClass(): DhcpPacket {
  const packet = withoutOption(legacyBiosPxeRom(), DhcpOption.ClientSystemArchitecture);
  const options = new Map(packet.options);
  options.set(DhcpOption.VendorClassIdentifier, Uint8Array.from(Buffer.from('PXEClient')));
  return { ...packet, options };
}
