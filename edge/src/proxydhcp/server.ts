import dgram from 'node:dgram';
import { decodeDhcpPacket } from './decode';
import { DHCP_SERVER_PORT, PXE_BOOT_SERVER_PORT } from './dhcp-options';
import { isIpv4Address, LIMITED_BROADCAST, ZERO_ADDRESS } from './dhcp-packet';
import { encodeDhcpPacket } from './encode';
import {
  ProxyDhcpAddressUnavailableError,
  ProxyDhcpConfigError,
  ProxyDhcpPortInUseError,
  ProxyDhcpPortPermissionError,
  ProxyDhcpStartupError,
} from './errors';
import { createProxyDhcpHandler, type ProxyDhcpReply, type ProxyDhcpService } from './handler';
import { fixedProxyDhcpConfig, type ProxyDhcpConfig, type ProxyDhcpConfigReader } from './proxy-dhcp-config';
import type { ProxyDhcpLog } from './proxy-dhcp-log';
import { replyDestination, type ReplyMode } from './reply-destination';

export interface ProxyDhcpOptions {
  /**
   * Where to listen. The default, 0.0.0.0, means "the PXE network": each port is bound
   * twice, on 255.255.255.255 (clients without an address broadcast, RFC 2131 §4.1) and on
   * `interfaceAddress` (relays and port-4011 requests are unicast), and replies leave from
   * `interfaceAddress`, so Linux sends broadcasts out of that interface even on a
   * multi-homed appliance or one without a default route. A specific address binds only
   * there and hears only unicast (relayed DHCP, port 4011, loopback tests).
   */
  address?: string;
  /** This edge's address on the PXE network (normally config.serverAddress). */
  interfaceAddress: string;
  /** Default 67 and 4011; 0 picks a free port (tests). */
  ports?: { dhcp?: number; pxe?: number };
  /** A fixed configuration, or a reader the handler asks on every request. */
  config: ProxyDhcpConfig | ProxyDhcpConfigReader;
  log: ProxyDhcpLog;
  /** Testing aid for loopback only: 'sender' answers the source address instead of broadcasting. */
  replyTo?: ReplyMode;
}

export interface ProxyDhcpServer {
  /** The ports actually bound (differs from the options when 0 was asked for). */
  readonly ports: { dhcp: number; pxe: number };
  close(): Promise<void>;
}

/**
 * Starts Marrow's ProxyDHCP: a listener on the DHCP port (67) and one on PXE's boot
 * server port (4011), both feeding one handler. Nothing runs until this is called; a
 * daemon with ProxyDHCP turned off simply never calls it.
 */
export async function startProxyDhcp(options: ProxyDhcpOptions): Promise<ProxyDhcpServer> {
  const address = options.address ?? ZERO_ADDRESS;
  const { interfaceAddress, log } = options;
  for (const [name, value] of [['address', address], ['interfaceAddress', interfaceAddress]] as const) {
    if (!isIpv4Address(value)) throw new ProxyDhcpConfigError(`ProxyDHCP ${name} "${value}" is not an IPv4 address`);
  }
  const config = 'proxyDhcpConfig' in options.config ? options.config : fixedProxyDhcpConfig(options.config);
  const handler = createProxyDhcpHandler({ config, log });
  const mode = options.replyTo ?? 'broadcast';

  const opened: dgram.Socket[] = [];
  try {
    const dhcp = await listen('dhcp', options.ports?.dhcp ?? DHCP_SERVER_PORT);
    const pxe = await listen('boot-server', options.ports?.pxe ?? PXE_BOOT_SERVER_PORT);
    log.info('ProxyDHCP listening', { address, interfaceAddress, dhcpPort: dhcp, pxePort: pxe });
    let closing: Promise<void> | undefined;
    return {
      ports: { dhcp, pxe },
      close: () => (closing ??= Promise.all(opened.map(closeSocket)).then(() => undefined)),
    };
  } catch (error) {
    await Promise.all(opened.map(closeSocket));
    throw error;
  }

  /** Binds the sockets of one service; returns the port bound. */
  async function listen(service: ProxyDhcpService, port: number): Promise<number> {
    const wildcard = address === ZERO_ADDRESS;
    // The reply socket is bound first so that a port of 0 resolves before the broadcast
    // listener joins it on the same number.
    const replySocket = await bindSocket(service, wildcard ? interfaceAddress : address, port);
    opened.push(replySocket);
    const boundPort = replySocket.address().port;
    receive(replySocket, replySocket, service);
    if (wildcard) {
      const broadcastSocket = await bindSocket(service, LIMITED_BROADCAST, boundPort);
      opened.push(broadcastSocket);
      receive(broadcastSocket, replySocket, service);
    }
    return boundPort;
  }

  function receive(socket: dgram.Socket, replySocket: dgram.Socket, service: ProxyDhcpService): void {
    socket.on('message', (datagram, sender) => {
      const decoded = decodeDhcpPacket(datagram);
      if (!decoded.ok) {
        log.debug('unreadable datagram: silent', { from: `${sender.address}:${sender.port}`, reason: decoded.error.message });
        return;
      }
      const request = decoded.packet;
      const respond: ProxyDhcpReply = (reply) => {
        const to = replyDestination(request, service, sender, mode);
        replySocket.send(encodeDhcpPacket(reply), to.port, to.address, (error) => {
          if (error) log.warn('ProxyDHCP reply not sent', { to: `${to.address}:${to.port}`, error: error.message });
        });
      };
      try {
        handler({ packet: request, service }, respond);
      } catch (error) {
        // One bad request must not stop the service for everyone else.
        log.warn('ProxyDHCP request failed', { xid: request.xid, error: error instanceof Error ? error.message : String(error) });
      }
    });
    socket.on('error', (error) => log.warn('ProxyDHCP socket error', { service, error: error.message }));
  }
}

function bindSocket(service: ProxyDhcpService, address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4' });
    const onError = (error: NodeJS.ErrnoException): void => {
      socket.close();
      reject(startupError(error, service, address, port));
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      socket.setBroadcast(true);
      resolve(socket);
    });
  });
}

function startupError(error: NodeJS.ErrnoException, service: ProxyDhcpService, address: string, port: number): Error {
  const options = { cause: error };
  switch (error.code) {
    case 'EADDRINUSE':
      return new ProxyDhcpPortInUseError(address, port, service, options);
    case 'EACCES':
    case 'EPERM':
      return new ProxyDhcpPortPermissionError(port, options);
    case 'EADDRNOTAVAIL':
      return new ProxyDhcpAddressUnavailableError(address, options);
    default:
      return new ProxyDhcpStartupError(`ProxyDHCP cannot listen on ${address}:${port}: ${error.message}`, options);
  }
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
