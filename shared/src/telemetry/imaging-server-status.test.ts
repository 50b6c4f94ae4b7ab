import { describe, expect, it } from 'vitest';
import type { HealthReport } from './health-report';
import { deriveImagingServerStatus } from './imaging-server-status';

const now = new Date('2026-11-26T12:00:00.000Z');
const report = (overrides: Partial<HealthReport> = {}): HealthReport => ({
  id: 'r1',
  sentAt: '2026-11-26T11:59:40.000Z',
  imagingServerId: 'is_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
  softwareVersion: '0.1.0',
  intervalSeconds: 30,
  partitions: [{ device: '/dev/vda3', mountPoint: '/', totalBytes: 100, freeBytes: 40 }],
  load: { uptimeSeconds: 100, loadAverage: [0.1, 0.2, 0.3], memoryUsedBytes: 1, memoryTotalBytes: 2 },
  services: { proxyDhcp: 'disabled', tftp: 'running', http: 'running' },
  controlPlaneReachable: true,
  s3Reachable: true,
  lastError: null,
  ...overrides,
});
const server = { id: 'is_1', revokedAt: null };

describe('deriveImagingServerStatus', () => {
  it.each([
    ['no server', { server: null, lastReport: null, offlineSince: null }, 'offline', 'No imaging server'],
    ['revoked', { server: { id: 'is_1', revokedAt: '2026-11-01T00:00:00.000Z' }, lastReport: report(), offlineSince: null }, 'offline', 'revoked on 2026-11-01'],
    ['never reported', { server, lastReport: null, offlineSince: null }, 'offline', 'never reported'],
    ['last will after the report', { server, lastReport: report(), offlineSince: '2026-11-26T11:59:50.000Z' }, 'offline', 'disconnected'],
    ['stale (3 intervals)', { server, lastReport: report({ sentAt: '2026-11-26T11:58:29.000Z' }), offlineSince: null }, 'offline', 'No report for 91 s'],
    ['control plane unreachable', { server, lastReport: report({ controlPlaneReachable: false, lastError: 'ECONNREFUSED' }), offlineSince: null }, 'connection-error', 'cannot reach the control plane. Last error: ECONNREFUSED'],
    ['S3 unreachable', { server, lastReport: report({ s3Reachable: false }), offlineSince: null }, 'connection-error', 'S3'],
    ['failing service', { server, lastReport: report({ services: { proxyDhcp: 'failed', tftp: 'running', http: 'failed' } }), offlineSince: null }, 'connection-error', 'ProxyDHCP, HTTP boot'],
    ['healthy', { server, lastReport: report(), offlineSince: '2026-11-26T11:00:00.000Z' }, 'available', 'operational'],
  ] as const)('%s', (_name, input, status, reason) => {
    const derived = deriveImagingServerStatus({ ...input, now } as Parameters<typeof deriveImagingServerStatus>[0]);
    expect(derived.status).toBe(status);
    expect(derived.reason).toContain(reason);
  });
});
