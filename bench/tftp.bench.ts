import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchTftp } from '../edge/src/tftp/index';
import { makeBenchRoot, missingCommands, startMarrowTftp, startTftpdHpa, type RunningServer } from './support/tftp-bench-servers';
import { intFromEnv, median, round } from './support/tftp-bench-stats';

/**
 * `npm run bench -- tftp`: TFTP read throughput on loopback, Marrow's server against
 * tftpd-hpa 5.2 (the anchor), same file (100 MB of random bytes), same client (atftp 0.8,
 * which speaks RFC 7440 windowsize), blksize 1468, at windowsize 1 and 16.
 *
 * - Both servers run in their own process (`marrow-edge tftp` and `in.tftpd -L`).
 * - Runs alternate between the servers (ours, anchor, ours, …) so that load from elsewhere
 *   on the machine falls on both; each figure is the median of TFTP_BENCH_RUNS runs.
 * - Time: from starting atftp to its exit; MB = 10^6 octets. The client writes to tmpfs
 *   (/dev/shm) when there is one; every download is checked by size, the first of each
 *   setting by sha256.
 * - tftpd-hpa 5.2 does not implement windowsize: it leaves the option out of its OACK, so
 *   its "windowsize 16" run is lock-step; the bench asks it and reports what it granted.
 *
 * - Each server's CPU time per download (its exited children included: tftpd-hpa forks one per
 *   transfer) is reported too: ours busy-polls for ACKs (edge/src/tftp/busy-poll.ts), trading
 *   CPU for round-trip time, and the figures show what that costs.
 *
 * Environment: TFTP_BENCH_RUNS (default 5), TFTP_BENCH_MB (default 100), TFTP_BUSY_POLL_US
 * (passed to ours as --busy-poll-us; default: the server's own default).
 */
const RUNS = intFromEnv('TFTP_BENCH_RUNS', 5, 1);
const SIZE = intFromEnv('TFTP_BENCH_MB', 100, 1) * 1_000_000;
const BLKSIZE = 1468;
const WINDOWS = [1, 16] as const;
const BUSY_POLL_US = process.env.TFTP_BUSY_POLL_US;

const say = (line: string) => console.log(`tftp: ${line}`);

const missing = missingCommands(['atftp', 'in.tftpd']);
if (missing.length > 0) {
  console.error(`tftp: ${missing.join(', ')} missing: run test/e2e/install-packages.sh (as root)`);
  console.log(JSON.stringify({ bench: 'tftp', error: `${missing.join(', ')} missing` }));
  process.exit(1);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Download {
  readonly mbPerS: number;
  /** The server's CPU time for it, in ms. */
  readonly cpuMs: number;
}

/** One atftp download. */
async function download(server: RunningServer, windowsize: number, out: string): Promise<Download> {
  const cpuBefore = server.cpuMs();
  const args = ['--get', '-r', 'big.bin', '-l', out, '--option', `blksize ${BLKSIZE}`, '--option', `windowsize ${windowsize}`, '127.0.0.1', String(server.port)];
  const started = process.hrtime.bigint();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('atftp', args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const size = (await stat(out).catch(() => ({ size: -1 }))).size;
  if (code !== 0 || size !== SIZE) throw new Error(`atftp from ${server.name} (windowsize ${windowsize}) failed: exit ${code}, ${size} of ${SIZE} octets`);
  return { mbPerS: SIZE / 1e6 / seconds, cpuMs: server.cpuMs() - cpuBefore };
}

const fixture = await makeBenchRoot({ 'big.bin': SIZE, 'probe.bin': 1000 });
const outDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'marrow-tftp-bench-out-'));
const want = createHash('sha256').update(await readFile(join(fixture.root, 'big.bin'))).digest('hex');
const servers: RunningServer[] = [];
try {
  servers.push(await startMarrowTftp(fixture.root, BUSY_POLL_US === undefined ? [] : ['--busy-poll-us', BUSY_POLL_US]), await startTftpdHpa(fixture.root, 'probe.bin'));
  const [ours, anchor] = servers as [RunningServer, RunningServer];

  // What does each server grant a client asking for windowsize 16?
  const granted: Record<string, number> = {};
  for (const server of servers) {
    const probe = await fetchTftp({ host: '127.0.0.1', port: server.port, filename: 'probe.bin', blksize: BLKSIZE, windowsize: 16 });
    granted[server.name] = Number(probe.oack?.windowsize ?? 1);
  }
  say(`${SIZE / 1e6} MB, blksize ${BLKSIZE}, client atftp, ${RUNS} runs per figure (median), alternating servers`);
  say(`windowsize 16 granted: marrow ${granted.marrow}, tftpd-hpa ${granted['tftpd-hpa']}${granted['tftpd-hpa'] === 1 ? ' (tftpd-hpa 5.2 has no RFC 7440: its windowsize-16 run is lock-step)' : ''}`);

  const results: Record<string, { ours: number; anchor: number; oursRuns: number[]; anchorRuns: number[]; oursCpuMs: number; anchorCpuMs: number }> = {};
  for (const windowsize of WINDOWS) {
    const runs = new Map<RunningServer, Download[]>([
      [ours, []],
      [anchor, []],
    ]);
    for (let run = 0; run < RUNS; run++) {
      for (const server of run % 2 === 0 ? [ours, anchor] : [anchor, ours]) {
        const out = join(outDir, `${server.name}-${windowsize}.bin`);
        runs.get(server)!.push(await download(server, windowsize, out));
        if (run < 2 && (await sha256File(out)) !== want) throw new Error(`${server.name} windowsize ${windowsize}: content differs`);
        await rm(out, { force: true });
      }
    }
    const oursRuns = runs.get(ours)!.map((d) => d.mbPerS);
    const anchorRuns = runs.get(anchor)!.map((d) => d.mbPerS);
    const oursCpuMs = median(runs.get(ours)!.map((d) => d.cpuMs));
    const anchorCpuMs = median(runs.get(anchor)!.map((d) => d.cpuMs));
    results[windowsize] = { ours: median(oursRuns), anchor: median(anchorRuns), oursRuns, anchorRuns, oursCpuMs, anchorCpuMs };
    const r = results[windowsize]!;
    say(
      `windowsize ${windowsize}: marrow ${round(r.ours)} MB/s [${oursRuns.map((v) => round(v)).join(', ')}], ` +
        `tftpd-hpa ${round(r.anchor)} MB/s [${anchorRuns.map((v) => round(v)).join(', ')}] → ratio ${round(r.ours / r.anchor, 2)}; ` +
        `server CPU per download (median): marrow ${Math.round(oursCpuMs)} ms, tftpd-hpa ${Math.round(anchorCpuMs)} ms`,
    );
  }
  const ws1 = results[1]!;
  const ws16 = results[16]!;
  say(`marrow windowsize 16 / windowsize 1: ${round(ws16.ours / ws1.ours, 2)} (goal ≥ 3)`);
  console.log(
    JSON.stringify({
      bench: 'tftp',
      ours: round(ws16.ours),
      anchor: round(ws16.anchor),
      ratio: round(ws16.ours / ws16.anchor, 2),
      unit: 'MB/s',
      goal: '>= 1.0 at each setting; windowsize 16 >= 3x windowsize 1',
      setting: `100 MB at blksize ${BLKSIZE}, atftp, loopback, median of ${RUNS}`.replace('100 MB', `${SIZE / 1e6} MB`),
      ours_ws1: round(ws1.ours),
      anchor_ws1: round(ws1.anchor),
      ratio_ws1: round(ws1.ours / ws1.anchor, 2),
      ours_ws16: round(ws16.ours),
      anchor_ws16: round(ws16.anchor),
      ratio_ws16: round(ws16.ours / ws16.anchor, 2),
      ws16_over_ws1: round(ws16.ours / ws1.ours, 2),
      ours_cpu_ms_ws1: Math.round(ws1.oursCpuMs),
      anchor_cpu_ms_ws1: Math.round(ws1.anchorCpuMs),
      ours_cpu_ms_ws16: Math.round(ws16.oursCpuMs),
      anchor_cpu_ms_ws16: Math.round(ws16.anchorCpuMs),
      busy_poll_us: BUSY_POLL_US === undefined ? 'default' : Number(BUSY_POLL_US),
      anchor_windowsize_granted: granted['tftpd-hpa'],
      runs: RUNS,
    }),
  );
} finally {
  for (const server of servers) await server.stop();
  await rm(outDir, { recursive: true, force: true });
  await fixture.remove();
}
