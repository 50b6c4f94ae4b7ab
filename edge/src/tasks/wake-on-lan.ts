import dgram from 'node:dgram';

/**
 * Wake-on-LAN: the "Magic Packet" of AMD's Magic Packet Technology white paper (publication
 * 20213): six 0xFF octets, then the target's MAC address sixteen times — 102 octets,
 * anywhere in a frame the NIC sees. It travels here as a UDP broadcast, conventionally to
 * the discard port 9 (7, echo, is also common). NICs with SecureOn (a password set in the
 * NIC) also want 4 or 6 password octets after the 96 of MAC addresses.
 */

export const MAGIC_PACKET_LENGTH = 102;
export const DEFAULT_WAKE_ON_LAN_PORT = 9;
const SYNC_STREAM_LENGTH = 6;
const MAC_REPETITIONS = 16;

export class WakeOnLanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/**
 * The six octets of a MAC address written "52:54:00:12:34:56", "52-54-00-12-34-56",
 * "5254.0012.3456" or "525400123456" (any case).
 */
export function parseMac(text: string): Uint8Array {
  const octets = parseHexGroups(text.trim(), 6);
  if (!octets) throw new WakeOnLanError(`"${text}" is not a MAC address (like 52:54:00:12:34:56)`);
  return octets;
}

/**
 * A SecureOn password: 6 octets written like a MAC address, or 4 written as a dotted
 * quad ("192.168.1.1") or hex ("c0:a8:01:01"), as ether-wake accepts them.
 */
export function parseSecureOnPassword(text: string): Uint8Array {
  const trimmed = text.trim();
  const dotted = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(trimmed);
  if (dotted) {
    const octets = dotted.slice(1).map(Number);
    if (octets.every((octet) => octet <= 255)) return Uint8Array.from(octets);
  }
  const octets = parseHexGroups(trimmed, 6) ?? parseHexGroups(trimmed, 4);
  if (!octets) throw new WakeOnLanError('a SecureOn password is 4 or 6 octets (like 00:11:22:33:44:55 or 192.168.1.1)');
  return octets;
}

/** The Magic Packet for `mac`, with the SecureOn password appended when one is given. */
export function magicPacket(mac: string | Uint8Array, secureOn?: string | Uint8Array): Uint8Array {
  const address = typeof mac === 'string' ? parseMac(mac) : mac;
  if (address.length !== 6) throw new WakeOnLanError(`a MAC address has 6 octets, not ${address.length}`);
  const password = typeof secureOn === 'string' ? parseSecureOnPassword(secureOn) : secureOn;
  if (password && password.length !== 4 && password.length !== 6) {
    throw new WakeOnLanError(`a SecureOn password has 4 or 6 octets, not ${password.length}`);
  }
  const packet = new Uint8Array(MAGIC_PACKET_LENGTH + (password?.length ?? 0));
  packet.fill(0xff, 0, SYNC_STREAM_LENGTH);
  for (let i = 0; i < MAC_REPETITIONS; i += 1) packet.set(address, SYNC_STREAM_LENGTH + i * address.length);
  if (password) packet.set(password, MAGIC_PACKET_LENGTH);
  return packet;
}

export interface WakeOnLanTarget {
  /** A broadcast address: the subnet's directed broadcast (10.77.0.255) or 255.255.255.255. */
  address: string;
  /** Default 9 (discard); 7 (echo) is also common. */
  port?: number;
}

export interface WakeOnLanRequest {
  mac: string;
  targets: readonly WakeOnLanTarget[];
  /**
   * This edge's address on the machine's network. It picks the interface: Linux sends
   * 255.255.255.255 out of the interface that owns the source address, and without one it
   * needs a default route. A directed broadcast finds its interface by itself.
   */
  bindAddress?: string;
  /** How many times each target gets the packet (default 3): a UDP datagram can be lost. */
  repeat?: number;
  /** Pause between rounds, in milliseconds (default 100). */
  intervalMs?: number;
  secureOn?: string;
}

/** Sends the Magic Packet for `mac` to every target, `repeat` times; resolves with the count sent. */
export async function sendWakeOnLan(request: WakeOnLanRequest): Promise<{ sent: number }> {
  const packet = magicPacket(request.mac, request.secureOn);
  const repeat = request.repeat ?? 3;
  const intervalMs = request.intervalMs ?? 100;
  if (!Number.isInteger(repeat) || repeat < 1) throw new WakeOnLanError(`repeat must be a whole number ≥ 1, not ${repeat}`);
  if (request.targets.length === 0) throw new WakeOnLanError('Wake-on-LAN needs at least one target address');
  for (const target of request.targets) {
    if (!isIpv4(target.address)) throw new WakeOnLanError(`target "${target.address}" is not an IPv4 address`);
    const port = target.port ?? DEFAULT_WAKE_ON_LAN_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WakeOnLanError(`target port ${port} is not a UDP port`);
  }

  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error) =>
        reject(new WakeOnLanError(`cannot send Wake-on-LAN from ${request.bindAddress ?? 'this machine'}: ${error.message}`, { cause: error })),
      );
      socket.bind({ address: request.bindAddress, port: 0 }, () => resolve());
    });
    socket.setBroadcast(true);
    let sent = 0;
    for (let round = 0; round < repeat; round += 1) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
      for (const target of request.targets) {
        const port = target.port ?? DEFAULT_WAKE_ON_LAN_PORT;
        await new Promise<void>((resolve, reject) =>
          socket.send(packet, port, target.address, (error) =>
            error ? reject(sendFailure(error, target.address, port, request.bindAddress)) : resolve(),
          ),
        );
        sent += 1;
      }
    }
    return { sent };
  } finally {
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
}

function sendFailure(error: NodeJS.ErrnoException, address: string, port: number, bindAddress: string | undefined): WakeOnLanError {
  const hint =
    error.code === 'ENETUNREACH' && address === '255.255.255.255' && bindAddress === undefined
      ? ' — give bindAddress (this edge\'s address on that network) or use the subnet\'s broadcast address'
      : '';
  return new WakeOnLanError(`Wake-on-LAN to ${address}:${port} failed: ${error.message}${hint}`, { cause: error });
}

/** `count` octets written as hex: in pairs separated by ':' or '-', in dotted quads of hex, or bare. */
function parseHexGroups(text: string, count: number): Uint8Array | undefined {
  let hex: string | undefined;
  if (new RegExp(`^[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){${count - 2}}$`, 'i').test(text)) hex = text.replace(/[:-]/g, '');
  else if (count === 6 && /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)) hex = text.replace(/\./g, '');
  else if (new RegExp(`^[0-9a-f]{${count * 2}}$`, 'i').test(text)) hex = text;
  if (!hex) return undefined;
  return Uint8Array.from({ length: count }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function isIpv4(address: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}
