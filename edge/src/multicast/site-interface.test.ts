import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { siteInterface } from './site-interface';

const v4 = (address: string) => ({ address, family: 'IPv4', internal: false }) as NetworkInterfaceInfo;
const interfaces = { lo: [v4('127.0.0.1')], enp3s0: [v4('10.77.0.1')], wlan0: [v4('192.168.1.20')] };

describe('siteInterface', () => {
  it('takes the configured name first', () => {
    expect(siteInterface('br-site', ['10.77.0.1'], interfaces)).toBe('br-site');
  });
  it('else the interface holding the first specific address the edge announces', () => {
    expect(siteInterface(undefined, [undefined, '0.0.0.0', '10.77.0.1', '192.168.1.20'], interfaces)).toBe('enp3s0');
  });
  it('else none: an edge listening on every address does not guess', () => {
    expect(siteInterface(undefined, [undefined, '0.0.0.0'], interfaces)).toBeUndefined();
    expect(siteInterface(undefined, ['10.99.0.1'], interfaces)).toBeUndefined();
  });
});
