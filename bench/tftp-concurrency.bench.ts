import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fetchTftp } from '../edge/src/tftp/index';
import { makeBenchRoot, missingCommands, startMarrowTftp, startTftpdHpa, UNDIONLY, type RunningServer } from './support/tftp-bench-servers';
import { intFromEnv, percentile, round } from './support/tftp-bench-stats';

/**
 * `npm run bench -- tftp-concurrency`: a classroom powering on. 200 clients at once fetch
 * undionly.kpxe (Debian's iPXE, ~73 KB; 70 KB of random bytes if the ipxe package is
 * absent) the way a PXE ROM does (blksize 1432, tsize), from Marrow's server and from
 * tftpd-hpa (the anchor), each in its own process on 127.0.0.1.
 *
 * - The clients are one in-process TFTP client (edge/src/tftp/tftp-client.ts, 1 s
 *   retransmission, 5 tries), the same for both servers; every download is checked by
 *   sha256. A failure is any error or wrong content.
 * - Rounds alternate between the servers; the time of a fetch runs from sending the RRQ
 *   to receiving the last block. p50/p99 are over every fetch of every round.
 * - ratio = ours p99 / anchor p99: below 1 means ours answers the slowest clients sooner.
 *
 * Environment: TFTP_CONCURRENCY_CLIENTS (default 200), TFTP_CONCURRENCY_ROUNDS (default 5).
 */
const CLIENTS = intFromEnv('TFTP_CONCURRENCY_CLIENTS', 200, 1);
const ROUNDS = intFromEnv('TFTP_CONCURRENCY_ROUNDS', 5, 1);

const say = (line: string) => console.log(`tftp-concurrency: ${line}`);

const missing = missingCommands(['in.tftpd']);
if (missing.length > 0) {
  console.error(`tftp-concurrency: ${missing.join(', ')} missing: run test/e2e/install-packages.sh (as root)`);
  console.log(JSON.stringify({ bench: 'tftp-concurrency', error: `${missing.join(', ')} missing` }));
  process.exit(1);
}

interface Round {
  readonly times: number[];
  readonly failures: string[];
  readonly wallMs: number;
}

async function fetchRound(server: RunningServer, want: string): Promise<Round> {
  const times: number[] = [];
  const failures: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const t0 = performance.now();
      try {
        const result = await fetchTftp({ host: '127.0.0.1', port: server.port, filename: 'undionly.kpxe', blksize: 1432, tsize: true, timeoutMs: 1000, retries: 5, keep: false });
        if (result.sha256 !== want) throw new Error('content differs');
        times.push(performance.now() - t0);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }),
  );
  return { times, failures, wallMs: performance.now() - started };
}

const realIpxe = existsSync(UNDIONLY);
const fixture = await makeBenchRoot({ 'undionly.kpxe': realIpxe ? UNDIONLY : 70_000 });
const want = createHash('sha256').update(await readFile(join(fixture.root, 'undionly.kpxe'))).digest('hex');
const servers: RunningServer[] = [];
try {
  servers.push(await startMarrowTftp(fixture.root), await startTftpdHpa(fixture.root, 'undionly.kpxe'));
  const [ours, anchor] = servers as [RunningServer, RunningServer];
  const size = (await readFile(join(fixture.root, 'undionly.kpxe'))).length;
  say(`${CLIENTS} clients at once fetch undionly.kpxe (${size} octets${realIpxe ? ', Debian ipxe' : ', random stand-in'}) with blksize 1432 + tsize; ${ROUNDS} rounds per server, alternating`);

  const all = new Map<RunningServer, Round[]>([
    [ours, []],
    [anchor, []],
  ]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const server of r % 2 === 0 ? [ours, anchor] : [anchor, ours]) {
      const result = await fetchRound(server, want);
      all.get(server)!.push(result);
      say(`round ${r + 1} ${server.name}: p50 ${round(percentile(result.times, 50))} ms, p99 ${round(percentile(result.times, 99))} ms, all done in ${round(result.wallMs)} ms, ${result.failures.length} failures`);
    }
  }

  const summary = (server: RunningServer) => {
    const rounds = all.get(server)!;
    const times = rounds.flatMap((r) => r.times);
    const failures = rounds.flatMap((r) => r.failures);
    return { p50: percentile(times, 50), p99: percentile(times, 99), max: percentile(times, 100), failures, wall: percentile(rounds.map((r) => r.wallMs), 50) };
  };
  const o = summary(ours);
  const a = summary(anchor);
  for (const [name, s] of [
    ['marrow', o],
    ['tftpd-hpa', a],
  ] as const) {
    say(`${name}: p50 ${round(s.p50)} ms, p99 ${round(s.p99)} ms, max ${round(s.max)} ms, median round ${round(s.wall)} ms, ${s.failures.length} failures${s.failures.length ? ` (${[...new Set(s.failures)].slice(0, 3).join('; ')})` : ''}`);
  }
  console.log(
    JSON.stringify({
      bench: 'tftp-concurrency',
      ours: round(o.p99),
      anchor: round(a.p99),
      ratio: round(o.p99 / a.p99, 2),
      unit: 'ms (p99)',
      goal: '0 failures',
      failures: o.failures.length,
      p50_ms: round(o.p50),
      p99_ms: round(o.p99),
      max_ms: round(o.max),
      anchor_p50_ms: round(a.p50),
      anchor_p99_ms: round(a.p99),
      anchor_failures: a.failures.length,
      ratio_meaning: 'ours p99 / anchor p99 (below 1: ours faster)',
      clients: CLIENTS,
      rounds: ROUNDS,
      file_octets: size,
    }),
  );
} finally {
  for (const server of servers) await server.stop();
  await fixture.remove();
}
