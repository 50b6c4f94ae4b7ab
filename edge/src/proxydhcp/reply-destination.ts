import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from './dhcp-options';
import { type DhcpPacket, LIMITED_BROADCAST, ZERO_ADDRESS } from './dhcp-packet';
import type { ProxyDhcpService } from './handler';

export interface Endpoint {
  address: string;
  port: number;
}

/**
 * - 'broadcast' (the default): RFC 2131 §4.1 for port 67, unicast back for port 4011.
 * - 'sender': every reply goes back to the datagram's source address and port. A testing
 *   aid for loopback, where nothing can be broadcast; never for a real network.
 */
export type ReplyMode = 'broadcast' | 'sender';

/**
 * Where a reply to `request` goes.
 *
 * Port 67 (RFC 2131 §4.1): a relayed request (giaddr set) is answered to the relay's port
 * 67; a client that has an address (ciaddr set) is answered there on port 68; every other
 * client is answered by broadcast to 255.255.255.255:68. RFC 2131 would unicast to yiaddr
 * when the BROADCAST flag is clear, but a proxy offers no yiaddr, so it always broadcasts.
 *
 * Port 4011 (PXE 2.1): the client has its address by then; the reply goes to ciaddr (or the
 * source address) at the port the request came from. A client with neither is broadcast to.
 */
export function replyDestination(
  request: DhcpPacket,
  service: ProxyDhcpService,
  sender: Endpoint,
  mode: ReplyMode,
): Endpoint {
  if (mode === 'sender') return sender;
  if (service === 'boot-server') {
    if (request.ciaddr !== ZERO_ADDRESS) return { address: request.ciaddr, port: sender.port };
    if (sender.address !== ZERO_ADDRESS) return sender;
    return { address: LIMITED_BROADCAST, port: sender.port };
  }
  if (request.giaddr !== ZERO_ADDRESS) return { address: request.giaddr, port: DHCP_SERVER_PORT };
  if (request.ciaddr !== ZERO_ADDRESS) return { address: request.ciaddr, port: DHCP_CLIENT_PORT };
  return { address: LIMITED_BROADCAST, port: DHCP_CLIENT_PORT };
}
