import { Session } from 'node:inspector';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the host's main thread spends its time during the measurement window, when the
 * benchmark runs with FLEET_CPU_PROFILE=DIR: a V8 CPU profile (written to DIR, open it in
 * Chrome DevTools) and its self time summed by package (node_modules/<package>), by Node
 * built-in module, or by our own folder.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  ms: number;
  percentOfBusy: number;
}

function ownerOf(frame: ProfileNode['callFrame']): string {
  if (frame.functionName === '(idle)') return '(idle)';
  if (frame.functionName === '(garbage collector)') return '(garbage collector)';
  if (frame.functionName === '(program)') return '(program: V8/native)';
  const url = frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  if (!url) return '(native)';
  return url.replace(/^file:\/\/\/.*?\/(lambdas|edge|shared|bench)\//, '$1/').split('/').slice(0, 3).join('/');
}

export interface ProfileSummary {
  file: string;
  /** Main-thread time not idle, and the whole profiled time. */
  busyMs: number;
  totalMs: number;
  shares: ProfileShare[];
}

/** Starts the V8 profiler in this process; the returned function stops it, writes the profile into `dir` and summarises it. */
export async function startProfiling(dir: string): Promise<() => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>('Profiler.stop');
    session.disconnect();
    const file = join(dir, `fleet-host-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    return { file, ...summariseProfile(profile) };
  };
}

/** The shares of the busiest owners, idle time left out. */
export function summariseProfile(profile: CpuProfile, top = 15): Omit<ProfileSummary, 'file'> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOwner = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    totalUs += delta;
    const owner = ownerOf(nodes.get(id)!.callFrame);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + delta);
  });
  const busyUs = totalUs - (byOwner.get('(idle)') ?? 0);
  const shares = [...byOwner.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percentOfBusy: Math.round((us / busyUs) * 1000) / 10 }));
  return { busyMs: Math.round(busyUs / 1000), totalMs: Math.round(totalUs / 1000), shares };
}
