import { describe, expect, it } from 'vitest';
import { ProxyDhcpConfigError } from './errors';
import { checkProxyDhcpConfig, type ProxyDhcpConfig } from './proxy-dhcp-config';

const good: ProxyDhcpConfig = {
  serverAddress: '10.77.0.2',
  tftpServer: '10.77.0.2',
  httpBootUrl: 'http://10.77.0.2:8080/boot.ipxe',
  bootFiles: { bios: 'undionly.kpxe', efiX64: 'snponly.efi' },
};

describe('ProxyDHCP configuration', () => {
  it('accepts a complete configuration and freezes it', () => {
    const checked = checkProxyDhcpConfig(good);
    expect(checked).toEqual(good);
    expect(Object.isFrozen(checked)).toBe(true);
    expect(Object.isFrozen(checked.bootFiles)).toBe(true);
  });

  it.each<[string, Partial<ProxyDhcpConfig>, RegExp]>([
    ['a server address that is not IPv4', { serverAddress: 'edge.local' }, /serverAddress "edge.local"/],
    ['0.0.0.0 as server address', { serverAddress: '0.0.0.0' }, /serverAddress/],
    ['a TFTP server out of range', { tftpServer: '10.77.0.256' }, /tftpServer/],
    ['a boot URL that is not a URL', { httpBootUrl: 'boot.ipxe' }, /httpBootUrl "boot.ipxe" is not a URL/],
    ['a TFTP boot URL', { httpBootUrl: 'tftp://10.77.0.2/boot.ipxe' }, /must be http/],
    ['an empty BIOS file', { bootFiles: { bios: '', efiX64: 'snponly.efi' } }, /bios/],
    ['a file name with a space', { bootFiles: { bios: 'undionly.kpxe', efiX64: 'snp only.efi' } }, /efiX64/],
  ])('refuses %s', (_name, change, message) => {
    expect(() => checkProxyDhcpConfig({ ...good, ...change })).toThrow(ProxyDhcpConfigError);
    expect(() => checkProxyDhcpConfig({ ...good, ...change })).toThrow(message);
  });
});
