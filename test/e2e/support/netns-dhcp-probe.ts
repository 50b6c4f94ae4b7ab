/**
 * A raw DHCP client for e2e tests, run inside the client's namespace:
 * `node --import tsx netns-dhcp-probe.ts '<ProbePlan as JSON>'`.
 *
 * It binds 0.0.0.0:68 like a PXE ROM, sends each planned request (shaped like a real
 * firmware's, from the unit tests' fixtures), then prints every DHCP reply it receives
 * within `listenMs` as one JSON line. busybox udhcpc cannot play this part: it ignores
 * offers without yiaddr, which is exactly what a ProxyDHCP sends.
 */
import dgram from 'node:dgram';
import { decodeDhcpPacket } from '../../../edge/src/proxydhcp/decode';
import { DhcpOption } from '../../../edge/src/proxydhcp/dhcp-options';
import { BROADCAST_FLAG, type DhcpPacket, messageTypeOf, optionAddress, optionText } from '../../../edge/src/proxydhcp/dhcp-packet';
import { encodeDhcpPacket } from '../../../edge/src/proxydhcp/encode';
import {
  busyboxUdhcpc,
  type ClientShape,
  ipxeOnEfi,
  legacyBiosPxeRom,
  ovmfFirmware,
  seabiosIpxeRom,
} from '../../../edge/src/proxydhcp/testdata/pxe-clients';

export interface ProbeRequest extends ClientShape {
  client: 'legacy-bios' | 'ovmf' | 'seabios-ipxe' | 'ipxe-efi' | 'udhcpc';
  /** Force the BROADCAST flag (for clients whose firmware leaves it clear). */
  broadcast?: boolean;
  to: { address: string; port: number };
}

export interface ProbePlan {
  requests: ProbeRequest[];
  listenMs: number;
  /** Stop early once this many replies have arrived. */
  expectReplies?: number;
}

export interface ProbeReply {
  from: string;
  xid: number;
  type: number | undefined;
  yiaddr: string;
  siaddr: string;
  ciaddr: string;
  file: string;
  serverIdentifier: string | undefined;
  vendorClass: string | undefined;
  uuid: string | undefined;
  vendorOptions: string | undefined;
}

const shapes = { 'legacy-bios': legacyBiosPxeRom, ovmf: ovmfFirmware, 'seabios-ipxe': seabiosIpxeRom, 'ipxe-efi': ipxeOnEfi, udhcpc: busyboxUdhcpc };
const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('hex') : undefined);

function summary(packet: DhcpPacket, from: string): ProbeReply {
  return {
    from,
    xid: packet.xid,
    type: messageTypeOf(packet),
    yiaddr: packet.yiaddr,
    siaddr: packet.siaddr,
    ciaddr: packet.ciaddr,
    file: packet.file || (optionText(packet, DhcpOption.BootfileName) ?? ''),
    serverIdentifier: optionAddress(packet, DhcpOption.ServerIdentifier),
    vendorClass: optionText(packet, DhcpOption.VendorClassIdentifier),
    uuid: hex(packet.options.get(DhcpOption.ClientMachineIdentifier)),
    vendorOptions: hex(packet.options.get(DhcpOption.VendorSpecific)),
  };
}

const plan = JSON.parse(process.argv[2] ?? '{}') as ProbePlan;
const socket = dgram.createSocket('udp4');
let received = 0;
const done = (): void => {
  socket.close(() => process.exit(0));
};
socket.on('message', (datagram, from) => {
  const decoded = decodeDhcpPacket(datagram);
  if (!decoded.ok || decoded.packet.op !== 2) return;
  process.stdout.write(`${JSON.stringify(summary(decoded.packet, `${from.address}:${from.port}`))}\n`);
  received += 1;
  if (plan.expectReplies !== undefined && received >= plan.expectReplies) done();
});
socket.bind({ address: '0.0.0.0', port: 68 }, () => {
  socket.setBroadcast(true);
  for (const request of plan.requests) {
    const packet = shapes[request.client](request);
    const flags = request.broadcast ? packet.flags | BROADCAST_FLAG : packet.flags;
    socket.send(encodeDhcpPacket({ ...packet, flags }), request.to.port, request.to.address, (error) => {
      if (error) process.stdout.write(`${JSON.stringify({ sendError: error.message, xid: packet.xid })}\n`);
    });
  }
  setTimeout(done, plan.listenMs);
});
