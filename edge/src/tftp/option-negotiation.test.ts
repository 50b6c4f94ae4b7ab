import { describe, expect, it } from 'vitest';
import { negotiateOptions, oackOptions, type NegotiationLimits } from './option-negotiation';
import type { TftpOption } from './packet-codec';

const limits: NegotiationLimits = { maxBlksize: 65464, maxWindowsize: 65535, defaultTimeoutMs: 1000 };
const opts = (...pairs: [string, string][]): TftpOption[] => pairs.map(([name, value]) => ({ name, value }));

describe('option negotiation (RFC 2347, 2348, 2349, 7440)', () => {
  it('no options: RFC 1350 defaults and no OACK', () => {
    expect(negotiateOptions([], limits)).toEqual({ ok: true, options: { blksize: 512, windowsize: 1, timeoutMs: 1000, tsize: false, accepted: [] } });
  });

  it.each([
    ['1468', 1468, true],
    ['8', 8, true], // RFC 2348 §2 lower bound
    ['65464', 65464, true], // upper bound
    ['65465', 65464, true], // above: we answer with our maximum
    ['99999', 65464, true],
    ['7', 512, false], // below 8: option ignored
    ['0', 512, false],
  ])('blksize %s → %i (accepted: %s)', (value, blksize, accepted) => {
    const result = negotiateOptions(opts(['blksize', value]), limits);
    expect(result).toMatchObject({ ok: true, options: { blksize } });
    if (result.ok) expect(result.options.accepted).toEqual(accepted ? opts(['blksize', String(blksize)]) : []);
  });

  it('blksize is clamped to the configured maximum', () => {
    expect(negotiateOptions(opts(['blksize', '9000']), { ...limits, maxBlksize: 1468 })).toMatchObject({ ok: true, options: { blksize: 1468, accepted: opts(['blksize', '1468']) } });
  });

  it.each([
    ['16', 16, true],
    ['1', 1, true],
    ['65535', 65535, true],
    ['70000', 65535, true],
    ['0', 1, false], // RFC 7440 §3: 1..65535
  ])('windowsize %s → %i (accepted: %s)', (value, windowsize, accepted) => {
    const result = negotiateOptions(opts(['windowsize', value]), limits);
    expect(result).toMatchObject({ ok: true, options: { windowsize } });
    if (result.ok) expect(result.options.accepted.length).toBe(accepted ? 1 : 0);
  });

  it('windowsize is clamped to the configured maximum', () => {
    expect(negotiateOptions(opts(['windowsize', '64']), { ...limits, maxWindowsize: 8 })).toMatchObject({ ok: true, options: { windowsize: 8, accepted: opts(['windowsize', '8']) } });
  });

  it.each([
    ['1', 1000, true],
    ['5', 5000, true],
    ['255', 255000, true],
    ['0', 1000, false], // RFC 2349: 1..255 s
    ['256', 1000, false],
  ])('timeout %s → %i ms (accepted: %s)', (value, timeoutMs, accepted) => {
    const result = negotiateOptions(opts(['timeout', value]), limits);
    expect(result).toMatchObject({ ok: true, options: { timeoutMs } });
    if (result.ok) expect(result.options.accepted).toEqual(accepted ? opts(['timeout', value]) : []);
  });

  it('tsize is answered with the file size (RFC 2349 §2), in the client order', () => {
    const result = negotiateOptions(opts(['tsize', '0'], ['blksize', '1432'], ['multicast', ''], ['windowsize', '4']), limits);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.options.tsize).toBe(true);
    expect(oackOptions(result.options, 74213)).toEqual(opts(['tsize', '74213'], ['blksize', '1432'], ['windowsize', '4']));
  });

  it('unknown options are ignored, not echoed (RFC 2347 §2)', () => {
    expect(negotiateOptions(opts(['multicast', ''], ['rollover', '0'], ['x-foo', 'bar']), limits)).toMatchObject({ ok: true, options: { accepted: [] } });
  });

  it.each([
    [opts(['blksize', 'abc'])],
    [opts(['blksize', ''])],
    [opts(['blksize', '-1'])],
    [opts(['blksize', '1e3'])],
    [opts(['blksize', ' 512'])],
    [opts(['windowsize', '0x10'])],
    [opts(['windowsize', '12345678901'])],
    [opts(['timeout', '1.5'])],
  ])('a value that is not a plain number makes us ignore the option: %j', (requested) => {
    expect(negotiateOptions(requested, limits)).toEqual({ ok: true, options: { blksize: 512, windowsize: 1, timeoutMs: 1000, tsize: false, accepted: [] } });
  });

  it('tsize is accepted whatever its value (atftp 0.8 sends "tsize enable")', () => {
    for (const value of ['0', 'enable', '', '12345678901']) {
      expect(negotiateOptions(opts(['tsize', value]), limits)).toMatchObject({ ok: true, options: { tsize: true, accepted: [{ name: 'tsize' }] } });
    }
  });

  it('tsize is left out of the OACK for an empty file (curl refuses "tsize 0")', () => {
    const result = negotiateOptions(opts(['tsize', '0'], ['blksize', '512']), limits);
    if (!result.ok) throw new Error('negotiation failed');
    expect(oackOptions(result.options, 0)).toEqual(opts(['blksize', '512']));
    const only = negotiateOptions(opts(['tsize', '0']), limits);
    if (!only.ok) throw new Error('negotiation failed');
    expect(oackOptions(only.options, 0)).toEqual([]); // so no OACK at all
  });

  it('a repeated option fails with ERROR 8 (names compared case-insensitively by the parser)', () => {
    expect(negotiateOptions(opts(['blksize', '512'], ['blksize', '1024']), limits)).toMatchObject({ ok: false, code: 8, message: expect.stringMatching(/more than once/) });
    expect(negotiateOptions(opts(['x', '1'], ['x', '2']), limits)).toMatchObject({ ok: false, code: 8 });
  });
});
