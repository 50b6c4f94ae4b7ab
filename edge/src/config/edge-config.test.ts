import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEdgeConfig, publicHttpUrl } from './edge-config';

describe('loadEdgeConfig', () => {
  it('has production defaults: TFTP on 69, HTTP on 8080, ProxyDHCP off', () => {
    const config = loadEdgeConfig(undefined, {});
    expect(config.tftp).toMatchObject({ enabled: true, port: 69, busyPollMicros: 100 });
    expect(config.http.port).toBe(8080);
    expect(config.proxyDhcp.enabled).toBe(false);
    expect(config.ipxeDir).toBe('/usr/lib/ipxe');
  });

  it('layers host defaults, then the file, then MARROW_EDGE_* variables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-config-'));
    const file = join(dir, 'edge.json');
    await writeFile(file, JSON.stringify({ http: { port: 9000 }, proxyDhcp: { enabled: true, serverAddress: '10.77.0.1' } }));
    const config = loadEdgeConfig(file, { MARROW_EDGE_TFTP_PORT: '6969', MARROW_EDGE_PROXYDHCP_ENABLED: 'false' }, { dataDir: dir, tftp: { port: 1069 } });
    expect(config.dataDir).toBe(dir);
    expect(config.http.port).toBe(9000);
    expect(config.tftp.port).toBe(6969);
    expect(config.proxyDhcp).toMatchObject({ enabled: false, serverAddress: '10.77.0.1' });
    expect(publicHttpUrl(config, 9000)).toBe('http://10.77.0.1:9000');
  });

  it('refuses unknown variables and bad values with a clear message', () => {
    expect(() => loadEdgeConfig(undefined, { MARROW_EDGE_TFPT_PORT: '69' })).toThrow('unknown setting(s) MARROW_EDGE_TFPT_PORT');
    expect(() => loadEdgeConfig(undefined, { MARROW_EDGE_TFTP_PORT: '70000' })).toThrow(/tftp\.port/);
    expect(() => loadEdgeConfig(undefined, { MARROW_EDGE_TFTP_BUSY_POLL_MICROS: '-1' })).toThrow(/tftp\.busyPollMicros/);
    expect(loadEdgeConfig(undefined, { MARROW_EDGE_TFTP_BUSY_POLL_MICROS: '0' }).tftp.busyPollMicros).toBe(0);
    expect(() => loadEdgeConfig(undefined, { MARROW_EDGE_PROXYDHCP_SERVER_ADDRESS: '10.77.0' })).toThrow(/proxyDhcp\.serverAddress/);
    expect(() => loadEdgeConfig('/nonexistent/edge.json', {})).toThrow('cannot read the configuration file /nonexistent/edge.json');
  });
});
