import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  MAGIC_PACKET_LENGTH,
  magicPacket,
  parseMac,
  parseSecureOnPassword,
  sendWakeOnLan,
  WakeOnLanError,
} from './wake-on-lan';

const MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);

describe('MAC addresses', () => {
  it.each(['52:54:00:12:34:56', '52-54-00-12-34-56', '52:54:00:12:34:56'.toUpperCase(), '5254.0012.3456', '525400123456', ' 52:54:00:12:34:56 '])(
    'reads %s',
    (text) => expect(parseMac(text)).toEqual(MAC),
  );

  it.each(['', '52:54:00:12:34', '52:54:00:12:34:56:78', '52:54-00:12:34:56', '52:54:00:12:34:5g', '52:54:00:12:34:567', 'banana'])(
    'refuses "%s"',
    (text) => expect(() => parseMac(text)).toThrow(WakeOnLanError),
  );
});

describe('the Magic Packet', () => {
  it('is six 0xFF then the MAC sixteen times: 102 octets', () => {
    const packet = magicPacket('52:54:00:12:34:56');
    expect(packet.length).toBe(MAGIC_PACKET_LENGTH);
    expect([...packet.subarray(0, 6)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    for (let i = 0; i < 16; i += 1) expect(packet.subarray(6 + i * 6, 12 + i * 6)).toEqual(MAC);
    expect(Buffer.from(packet).toString('hex')).toBe('ff'.repeat(6) + '525400123456'.repeat(16));
  });

  it('takes the MAC as octets too', () => {
    expect(magicPacket(MAC)).toEqual(magicPacket('52-54-00-12-34-56'));
    expect(() => magicPacket(Uint8Array.of(1, 2, 3))).toThrow(/6 octets/);
  });

  it('appends a 6-octet SecureOn password', () => {
    const packet = magicPacket(MAC, '00:11:22:33:44:55');
    expect(packet.length).toBe(108);
    expect([...packet.subarray(102)]).toEqual([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
  });

  it('appends a 4-octet SecureOn password, dotted or hex', () => {
    expect([...magicPacket(MAC, '192.168.1.1').subarray(102)]).toEqual([192, 168, 1, 1]);
    expect([...magicPacket(MAC, 'c0-a8-01-01').subarray(102)]).toEqual([192, 168, 1, 1]);
    expect(parseSecureOnPassword('c0a80101')).toEqual(Uint8Array.of(192, 168, 1, 1));
  });

  it.each(['00:11:22', '1.2.3.256', '00:11:22:33:44'])('refuses the SecureOn password "%s"', (password) => {
    expect(() => magicPacket(MAC, password)).toThrow(WakeOnLanError);
  });
  it('refuses SecureOn octets of the wrong length', () => {
    expect(() => magicPacket(MAC, Uint8Array.of(1, 2, 3, 4, 5))).toThrow(/4 or 6 octets/);
  });
});

describe('sending over loopback', () => {
  it('sends the packet to every target, repeat times', async () => {
    const receivers = await Promise.all([receiver(), receiver()]);
    try {
      const result = await sendWakeOnLan({
        mac: '52:54:00:12:34:56',
        targets: receivers.map((r) => ({ address: '127.0.0.1', port: r.port })),
        bindAddress: '127.0.0.1',
        repeat: 3,
        intervalMs: 10,
      });
      expect(result.sent).toBe(6);
      for (const r of receivers) {
        await r.waitFor(3);
        expect(r.packets).toHaveLength(3);
        for (const packet of r.packets) expect(packet).toEqual(Buffer.from(magicPacket(MAC)));
      }
    } finally {
      for (const r of receivers) r.close();
    }
  });

  it.each<[string, Parameters<typeof sendWakeOnLan>[0], RegExp]>([
    ['no target', { mac: '52:54:00:12:34:56', targets: [] }, /at least one target/],
    ['a target that is not IPv4', { mac: '52:54:00:12:34:56', targets: [{ address: 'pc-12' }] }, /not an IPv4 address/],
    ['a bad port', { mac: '52:54:00:12:34:56', targets: [{ address: '127.0.0.1', port: 70000 }] }, /not a UDP port/],
    ['repeat 0', { mac: '52:54:00:12:34:56', targets: [{ address: '127.0.0.1' }], repeat: 0 }, /repeat/],
    ['a bad MAC', { mac: 'nope', targets: [{ address: '127.0.0.1' }] }, /not a MAC address/],
  ])('refuses %s before sending anything', async (_name, request, message) => {
    await expect(sendWakeOnLan(request)).rejects.toThrow(message);
  });

  it('reports a bind address this machine does not have', async () => {
    // Binding sends nothing; 10.77.254.254 is simply not configured here.
    await expect(sendWakeOnLan({ mac: '52:54:00:12:34:56', targets: [{ address: '127.0.0.1' }], bindAddress: '10.77.254.254' })).rejects.toThrow(
      /cannot send Wake-on-LAN from 10.77.254.254/,
    );
  });
});

async function receiver(): Promise<{ port: number; packets: Buffer[]; waitFor(count: number): Promise<void>; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (message) => packets.push(message));
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
  return {
    port: socket.address().port,
    packets,
    waitFor: async (count) => {
      const deadline = Date.now() + 2000;
      while (packets.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    close: () => socket.close(),
  };
}
