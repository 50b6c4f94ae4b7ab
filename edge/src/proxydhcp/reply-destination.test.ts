import { describe, expect, it } from 'vitest';
import { BROADCAST_FLAG } from './dhcp-packet';
import { replyDestination } from './reply-destination';
import { legacyBiosPxeRom } from './testdata/pxe-clients';

describe('where replies go (RFC 2131 §4.1, PXE 2.1)', () => {
  const unconfigured = { address: '0.0.0.0', port: 68 };
  const request = legacyBiosPxeRom();

  it.each([
    ['a client without an address, BROADCAST flag set', { ...request, flags: BROADCAST_FLAG }, { address: '255.255.255.255', port: 68 }],
    ['a client without an address, BROADCAST flag clear (no yiaddr to unicast to)', { ...request, flags: 0 }, { address: '255.255.255.255', port: 68 }],
    ['a relayed request: the relay, on port 67', { ...request, giaddr: '10.77.5.1' }, { address: '10.77.5.1', port: 67 }],
    ['a relayed request from a client with an address: still the relay', { ...request, giaddr: '10.77.5.1', ciaddr: '10.77.5.20' }, { address: '10.77.5.1', port: 67 }],
    ['a client with an address: unicast to ciaddr:68', { ...request, ciaddr: '10.77.0.100' }, { address: '10.77.0.100', port: 68 }],
  ])('port 67, %s', (_name, packet, expected) => {
    expect(replyDestination(packet, 'dhcp', unconfigured, 'broadcast')).toEqual(expected);
  });

  it('port 4011: unicast to ciaddr at the port the request came from', () => {
    const packet = { ...request, ciaddr: '10.77.0.100' };
    expect(replyDestination(packet, 'boot-server', { address: '10.77.0.100', port: 68 }, 'broadcast')).toEqual({ address: '10.77.0.100', port: 68 });
    expect(replyDestination(packet, 'boot-server', { address: '10.77.0.100', port: 4011 }, 'broadcast')).toEqual({ address: '10.77.0.100', port: 4011 });
  });

  it('port 4011 without ciaddr: the source address, or broadcast when there is none', () => {
    expect(replyDestination(request, 'boot-server', { address: '10.77.0.101', port: 68 }, 'broadcast')).toEqual({ address: '10.77.0.101', port: 68 });
    expect(replyDestination(request, 'boot-server', unconfigured, 'broadcast')).toEqual({ address: '255.255.255.255', port: 68 });
  });

  it("'sender' (loopback testing aid) answers the source whatever the request says", () => {
    const sender = { address: '127.0.0.1', port: 50123 };
    expect(replyDestination({ ...request, giaddr: '10.77.5.1' }, 'dhcp', sender, 'sender')).toEqual(sender);
    expect(replyDestination(request, 'boot-server', sender, 'sender')).toEqual(sender);
  });
});
