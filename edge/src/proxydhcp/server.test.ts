import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDhcpPacket } from './decode';
import { DhcpMessageType } from './dhcp-options';
import { type DhcpPacket, messageTypeOf } from './dhcp-packet';
import { encodeDhcpPacket } from './encode';
import { ProxyDhcpAddressUnavailableError, ProxyDhcpPortInUseError, ProxyDhcpStartupError } from './errors';
import type { ProxyDhcpConfig } from './proxy-dhcp-config';
import { silentProxyDhcpLog } from './proxy-dhcp-log';
import { type ProxyDhcpServer, startProxyDhcp } from './server';
import { busyboxUdhcpc, legacyBiosPxeRom } from './testdata/pxe-clients';

/**
 * The ProxyDHCP over loopback, as `npm test` can run it without root: random ports, and
 * replies sent back to the sender (replyTo: 'sender'), since loopback cannot broadcast.
 */
const LOOPBACK = '127.0.0.1';
const config: ProxyDhcpConfig = {
  serverAddress: LOOPBACK,
  tftpServer: LOOPBACK,
  httpBootUrl: 'http://127.0.0.1:8080/boot.ipxe',
  bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
};

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: Partial<Parameters<typeof startProxyDhcp>[0]> = {}): Promise<ProxyDhcpServer> {
  const server = await startProxyDhcp({
    address: LOOPBACK,
    interfaceAddress: LOOPBACK,
    ports: { dhcp: 0, pxe: 0 },
    config,
    log: silentProxyDhcpLog,
    replyTo: 'sender',
    ...options,
  });
  cleanup.push(() => server.close());
  return server;
}

interface Received {
  packet: DhcpPacket;
  from: number;
}

/** A loopback client socket that collects decoded replies. */
async function client(): Promise<{ send(bytes: Uint8Array, port: number): void; next(ms?: number): Promise<Received | undefined> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: LOOPBACK, port: 0 }, resolve));
  cleanup.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const inbox: Received[] = [];
  let wake: (() => void) | undefined;
  socket.on('message', (datagram, from) => {
    const decoded = decodeDhcpPacket(datagram);
    if (decoded.ok) inbox.push({ packet: decoded.packet, from: from.port });
    wake?.();
  });
  return {
    send: (bytes, port) => socket.send(bytes, port, LOOPBACK),
    next: async (ms = 2000) => {
      const deadline = Date.now() + ms;
      while (inbox.length === 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.max(1, deadline - Date.now()));
        });
      }
      return inbox.shift();
    },
  };
}

describe('ProxyDHCP server over loopback', () => {
  it('answers a PXE DHCPDISCOVER from the DHCP port and a boot server request from the PXE port', async () => {
    const server = await start();
    const pxe = await client();

    pxe.send(encodeDhcpPacket(legacyBiosPxeRom({ xid: 0x1001 })), server.ports.dhcp);
    const offer = await pxe.next();
    expect(offer?.from).toBe(server.ports.dhcp);
    expect(messageTypeOf(offer!.packet)).toBe(DhcpMessageType.Offer);
    expect(offer!.packet).toMatchObject({ xid: 0x1001, yiaddr: '0.0.0.0', siaddr: LOOPBACK, file: 'undionly.kpxe' });

    const request = legacyBiosPxeRom({ xid: 0x1002, messageType: DhcpMessageType.Request, ciaddr: LOOPBACK, serverIdentifier: LOOPBACK });
    pxe.send(encodeDhcpPacket(request), server.ports.pxe);
    const ack = await pxe.next();
    expect(ack?.from).toBe(server.ports.pxe);
    expect(messageTypeOf(ack!.packet)).toBe(DhcpMessageType.Ack);
    expect(ack!.packet).toMatchObject({ xid: 0x1002, file: 'undionly.kpxe' });
  });

  it('stays silent for other DHCP clients and unreadable datagrams, and keeps serving', async () => {
    const server = await start();
    const peer = await client();
    peer.send(encodeDhcpPacket(busyboxUdhcpc()), server.ports.dhcp);
    peer.send(Uint8Array.of(1, 2, 3), server.ports.dhcp);
    peer.send(new Uint8Array(600).fill(0xff), server.ports.pxe);
    expect(await peer.next(300)).toBeUndefined();
    peer.send(encodeDhcpPacket(legacyBiosPxeRom({ xid: 7 })), server.ports.dhcp);
    expect((await peer.next())?.packet.xid).toBe(7);
  });

  it('in the default 0.0.0.0 mode listens on the interface address and the broadcast address', async () => {
    const server = await start({ address: '0.0.0.0' });
    const pxe = await client();
    pxe.send(encodeDhcpPacket(legacyBiosPxeRom({ xid: 9 })), server.ports.dhcp);
    expect((await pxe.next())?.packet.xid).toBe(9);
    // The DHCP port is taken on every address: a second DHCP server could not bind it.
    await expect(bindOnce('0.0.0.0', server.ports.dhcp)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('reports a port already in use with what to do about it', async () => {
    const first = await start();
    const second = start({ ports: { dhcp: first.ports.dhcp, pxe: 0 } });
    await expect(second).rejects.toBeInstanceOf(ProxyDhcpPortInUseError);
    await expect(second).rejects.toThrow(
      `port ${first.ports.dhcp} is in use (127.0.0.1:${first.ports.dhcp}) — the site's DHCP server or dnsmasq runs here; ` +
        `use the site DHCP's options 66/67 and turn ProxyDHCP off`,
    );
    const third = start({ ports: { dhcp: 0, pxe: first.ports.pxe } });
    await expect(third).rejects.toThrow(/another PXE boot server/);
  });

  it('releases what it bound when startup fails half-way, and on close', async () => {
    const blocker = await start();
    const freePort = await unusedPort();
    const attempt = await start({ ports: { dhcp: freePort, pxe: blocker.ports.pxe } }).catch((error: unknown) => error);
    expect(attempt).toBeInstanceOf(ProxyDhcpStartupError);
    // The DHCP port it had bound before the PXE port failed is free again.
    await expect(bindOnce(LOOPBACK, freePort)).resolves.toBeUndefined();
    await blocker.close();
    await blocker.close(); // idempotent
    const again = await start({ ports: { dhcp: blocker.ports.dhcp, pxe: blocker.ports.pxe } });
    expect(again.ports).toEqual(blocker.ports);
  });

  it('names an interface address this machine does not have', async () => {
    // Binding sends nothing; 10.77.254.254 is simply not configured here.
    const attempt = start({ address: '0.0.0.0', interfaceAddress: '10.77.254.254' });
    await expect(attempt).rejects.toBeInstanceOf(ProxyDhcpAddressUnavailableError);
    await expect(attempt).rejects.toThrow('address 10.77.254.254 is not an address of this machine');
  });

  // Needs a user without CAP_NET_BIND_SERVICE: root drops to nobody with setpriv for this one.
  const canDropPrivileges = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  it.skipIf(!canDropPrivileges)('tells an unprivileged user that port 67 needs root or CAP_NET_BIND_SERVICE', async () => {
    const script = `
      import { startProxyDhcp } from ${JSON.stringify(new URL('./server.ts', import.meta.url).pathname)};
      try {
        await startProxyDhcp({ address: '127.0.0.1', interfaceAddress: '127.0.0.1', ports: { dhcp: 67, pxe: 0 },
          config: ${JSON.stringify(config)}, log: { debug() {}, info() {}, warn() {} } });
        console.log(JSON.stringify({ name: 'bound' }));
        process.exit(0);
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, message: error.message }));
      }`;
    const { stdout } = await promisify(execFile)(
      '/usr/bin/setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../../..', import.meta.url).pathname, timeout: 20_000 },
    );
    expect(JSON.parse(stdout.trim())).toEqual({
      name: 'ProxyDhcpPortPermissionError',
      message: 'binding port 67 needs root or CAP_NET_BIND_SERVICE',
    });
  });

  it('starts nothing when imported', async () => {
    const before = udpSockets();
    await import('./server');
    expect(udpSockets()).toBeLessThanOrEqual(before); // sockets closed by earlier tests may still leave
  });
});

async function unusedPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: LOOPBACK, port: 0 }, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function udpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'UDPWrap').length;
}

function bindOnce(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ address, port }, () => socket.close(() => resolve()));
  });
}
