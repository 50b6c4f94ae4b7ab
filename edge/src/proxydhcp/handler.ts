/**
 * ProxyDHCP, as PXE 2.1 defines it: a service that "listens for ordinary DHCP client
 * traffic and responds to certain client requests. However, unlike the DHCP server, the
 * PXE Proxy DHCP server does not administer network addresses, and it only responds to
 * clients that identify themselves as PXE clients." The site's DHCP server hands out the
 * address; Marrow only says what to boot.
 *
 * The exchange (PXE 2.1 client/server protocol, RFC 4578 §1):
 * 1. The client broadcasts DHCPDISCOVER to port 67 with option 60 "PXEClient:Arch:…", 93, 94, 97.
 * 2. The site's DHCP server offers an address; Marrow sends a proxy DHCPOFFER from port 67:
 *    yiaddr 0.0.0.0, option 60 "PXEClient", option 54 = the edge, siaddr + file = what to
 *    boot, option 43 with PXE_DISCOVERY_CONTROL bit 3 ("boot file given: no discovery,
 *    no menu, no prompt"), option 97 echoed.
 * 3. The client takes the address from the DHCP server (DHCPREQUEST/DHCPACK on 67, which
 *    names that server in option 54); Marrow answers no DHCPREQUEST on 67.
 * 4. With a boot file and bit 3 in the offer, OVMF and current iPXE boot straight from it
 *    (test/e2e/proxydhcp-qemu.test.ts). Clients that still ask a boot server unicast a
 *    DHCPREQUEST to port 4011 of option 54's address (or siaddr) — EDK2 for offers without
 *    PXE vendor options ("BINL" offers), gPXE and older iPXE always, iPXE when an offer
 *    lacks siaddr or a file, ROMs doing boot server discovery — and Marrow answers a DHCPACK
 *    from 4011 with the same boot file. siaddr is the TFTP server, so EDK2 sends that request
 *    to the TFTP server: keep TFTP on the edge.
 */
import { chooseBootFile } from './boot-file';
import {
  BootpOp,
  DhcpMessageType,
  DhcpOption,
  PXE_CLIENT_CLASS,
  PxeDiscoveryControl,
  PxeVendorOption,
} from './dhcp-options';
import {
  clientHardwareAddress,
  type DhcpPacket,
  HeaderLayout,
  latin1Octets,
  messageTypeOf,
  octetsOfAddress,
  optionAddress,
  ZERO_ADDRESS,
} from './dhcp-packet';
import { fitsHeaderField } from './encode';
import type { ProxyDhcpConfig, ProxyDhcpConfigReader } from './proxy-dhcp-config';
import type { ProxyDhcpLog } from './proxy-dhcp-log';
import { type PxeClient, recognisePxeClient } from './pxe-client';
import { encodeBootItem, encodePxeVendorOptions } from './pxe-vendor-options';

/** The port a request came in on: 'dhcp' is 67, 'boot-server' is PXE's 4011. */
export type ProxyDhcpService = 'dhcp' | 'boot-server';

export interface ProxyDhcpRequest {
  packet: DhcpPacket;
  service: ProxyDhcpService;
}

/** Sends a reply; where it goes (RFC 2131 §4.1) is the listener's business. */
export type ProxyDhcpReply = (reply: DhcpPacket) => void;

export type ProxyDhcpHandler = (request: ProxyDhcpRequest, reply: ProxyDhcpReply) => void;

export function createProxyDhcpHandler(deps: { config: ProxyDhcpConfigReader; log: ProxyDhcpLog }): ProxyDhcpHandler {
  const { log } = deps;
  return ({ packet, service }, reply) => {
    const config = deps.config.proxyDhcpConfig();
    const answer = answerTypeFor(packet, service);
    if (answer === undefined) {
      if (selectsProxyOfferAsLease(packet, service, config)) {
        log.warn('DHCPREQUEST selecting the proxy offer as a lease: silent', { mac: clientHardwareAddress(packet), xid: packet.xid });
      }
      return;
    }
    const client = recognisePxeClient(packet);
    if (!client) {
      log.debug('not a PXE client: silent', { xid: packet.xid, service });
      return;
    }
    const choice = chooseBootFile(client, config);
    const fields = { mac: client.hardwareAddress, xid: packet.xid, service, architecture: client.architecture };
    if (!choice.found) {
      log.warn('PXE client of an architecture Marrow has no boot file for: silent', {
        ...fields,
        vendorClass: client.vendorClass,
      });
      return;
    }
    reply(buildReply(packet, answer, client, choice.file, config));
    log.info(answer === DhcpMessageType.Offer ? 'proxy DHCPOFFER sent' : 'proxy DHCPACK sent', {
      ...fields,
      ipxe: client.isIpxe,
      file: choice.file,
    });
  };
}

/**
 * Which reply a request deserves, before looking at who sent it; undefined means silence.
 * - DHCPDISCOVER on 67 → DHCPOFFER (step 2).
 * - DHCPREQUEST on 4011 → DHCPACK (step 4); it was sent to us, whatever its option 54.
 * - DHCPREQUEST on 67 → never ours, as in dnsmasq's proxy mode. Naming another server it
 *   selects that server's offer (RFC 2131 §4.3.2); naming none, the client is renewing its
 *   lease. Naming this edge, a client took the proxy offer for an address offer: a DHCPACK
 *   would confirm a lease of 0.0.0.0, while silence makes it time out and select again.
 */
function answerTypeFor(packet: DhcpPacket, service: ProxyDhcpService): number | undefined {
  if (packet.op !== BootpOp.Request) return undefined;
  const type = messageTypeOf(packet);
  if (service === 'dhcp' && type === DhcpMessageType.Discover) return DhcpMessageType.Offer;
  if (service === 'boot-server' && type === DhcpMessageType.Request) return DhcpMessageType.Ack;
  return undefined;
}

/** A DHCPREQUEST on 67 that selects this edge's offer, which holds no address to lease. */
function selectsProxyOfferAsLease(packet: DhcpPacket, service: ProxyDhcpService, config: ProxyDhcpConfig): boolean {
  return (
    service === 'dhcp' &&
    packet.op === BootpOp.Request &&
    messageTypeOf(packet) === DhcpMessageType.Request &&
    optionAddress(packet, DhcpOption.ServerIdentifier) === config.serverAddress
  );
}

function buildReply(
  request: DhcpPacket,
  messageType: number,
  client: PxeClient,
  bootFile: string,
  config: ProxyDhcpConfig,
): DhcpPacket {
  const vendorOptions: Array<[number, Uint8Array]> = [
    [PxeVendorOption.DiscoveryControl, Uint8Array.of(PxeDiscoveryControl.UseBootFileFromOffer)],
  ];
  // PXE 2.1 Table 2-1: a boot server's reply carries the boot item the client asked for.
  if (client.bootItem) vendorOptions.push([PxeVendorOption.BootItem, encodeBootItem(client.bootItem)]);

  const options = new Map<number, Uint8Array>([
    [DhcpOption.MessageType, Uint8Array.of(messageType)],
    [DhcpOption.ServerIdentifier, octetsOfAddress(config.serverAddress)!],
    [DhcpOption.VendorClassIdentifier, latin1Octets(PXE_CLIENT_CLASS)],
  ]);
  if (client.machineIdentifier) options.set(DhcpOption.ClientMachineIdentifier, client.machineIdentifier);
  options.set(DhcpOption.VendorSpecific, encodePxeVendorOptions(vendorOptions));
  // A name too long for the 128-octet file field travels in option 67 (RFC 2132 §9.5).
  const inHeader = fitsHeaderField(bootFile, HeaderLayout.fileLength);
  if (!inHeader) options.set(DhcpOption.BootfileName, latin1Octets(bootFile));

  // RFC 2131 §4.3.1, Table 3 (fields of DHCPOFFER and DHCPACK), with yiaddr always 0.0.0.0.
  return {
    op: BootpOp.Reply,
    htype: request.htype,
    hlen: request.hlen,
    hops: 0,
    xid: request.xid,
    secs: 0,
    flags: request.flags,
    ciaddr: messageType === DhcpMessageType.Ack ? request.ciaddr : ZERO_ADDRESS,
    yiaddr: ZERO_ADDRESS,
    siaddr: config.tftpServer,
    giaddr: request.giaddr,
    chaddr: request.chaddr,
    sname: '',
    file: inHeader ? bootFile : '',
    options,
  };
}
