import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ControlPlaneClient, ControlPlaneError } from '../catalogue/control-plane-client';
import { loadIdentity, type EdgeIdentity } from '../catalogue/credential-store';
import { credentialFile, EdgeConfigError, loadEdgeConfig } from '../config/edge-config';
import { ChunkStore } from '../imagecache/chunk-store';
import { ImportAbortedError, ImportError } from '../import/import-error';
import { importMaster, type ImportReport } from '../import/import-master';
import { parsePartitionSpec, planPartcloneImport, planRawImport, type ImportPlan, type PartitionSpec } from '../import/import-plan';
import { formatBytes, formatDuration, ProgressLine, type ProgressOutput } from './progress-line';

/**
 * `marrow-edge import-master` (also `marrow import-master`): an existing disk image, or a set
 * of partclone images with their partition table, becomes a master — chunked, compressed and
 * uploaded exactly as a capture from the imaging environment is, with this edge's enrolment
 * credential (chunks go up through presigned URLs; the edge holds no AWS credentials).
 */
const usage = (program: string) => `usage: ${program} --raw FILE --machine MACHINE [options]
       ${program} --partition-table FILE --partition N=FILE[:tool]... --machine MACHINE [options]

Turns an existing image into a master, chunked and uploaded as a capture is.

  --raw FILE                 a raw disk image with an MBR or GPT (dd of a whole disk, a VM's raw .img)
  --partition-table FILE     the disk's partition table, as \`sfdisk --dump\` wrote it
  --partition N=FILE[:tool]  the image of partition N (repeat for each): partclone (partclone.X -c -o FILE)
                             or raw (dd); gzip or zstd compressed or not; FILE.aa takes FILE.ab… too.
                             tool (ntfs, extfs, fat, btrfs, xfs, dd) only to insist; it is read from the image
  --machine MACHINE          the machine the image is registered to (id, hostname or MAC of a machine this
                             edge serves); the master belongs to that machine's entity
  --description TEXT         the master's description (default: "Imported from FILE")
  --in-default-startup-menu  offer the master in the default startup menu of its entity
  --data-dir DIR             the edge's data directory (default: the edge configuration's dataDir)
  --config FILE              the edge's configuration file, as for \`marrow-edge run\`
  --quiet                    no progress on stderr`;

export interface CommandIo {
  /** The program name in messages ("marrow-edge import-master"). */
  program: string;
  out(line: string): void;
  err(line: string): void;
  progress: ProgressOutput;
  env: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
}

class UsageError extends Error {}

interface Request {
  raw?: string;
  table?: string;
  partitions: PartitionSpec[];
  machine: string;
  description?: string;
  inDefaultStartupMenu: boolean;
  dataDir?: string;
  config?: string;
  quiet: boolean;
}

function parseRequest(argv: string[]): Request | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        raw: { type: 'string' },
        'partition-table': { type: 'string' },
        partition: { type: 'string', multiple: true, default: [] },
        machine: { type: 'string' },
        description: { type: 'string' },
        'in-default-startup-menu': { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        config: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.raw && (values['partition-table'] || values.partition.length)) throw new UsageError('give either --raw or --partition-table with --partition, not both');
  if (!values.raw && !values['partition-table']) throw new UsageError('give the image: --raw FILE, or --partition-table FILE with --partition N=FILE');
  if (values['partition-table'] && !values.partition.length) throw new UsageError('--partition-table needs at least one --partition N=FILE');
  if (!values.machine) throw new UsageError('--machine is required: an import is registered as a backup image of a machine (its id, hostname or MAC)');
  if (values.description !== undefined && values.description.length > 500) throw new UsageError('--description must be at most 500 characters');
  let partitions: PartitionSpec[];
  try {
    partitions = values.partition.map(parsePartitionSpec);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    ...(values.raw ? { raw: values.raw } : {}),
    ...(values['partition-table'] ? { table: values['partition-table'] } : {}),
    partitions,
    machine: values.machine,
    ...(values.description !== undefined ? { description: values.description } : {}),
    inDefaultStartupMenu: values['in-default-startup-menu'],
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.config ? { config: values.config } : {}),
    quiet: values.quiet,
  };
}

type Machine = { id: string; mac: string; hostname: string };

const normalMac = (text: string) => text.toLowerCase().replace(/-/g, ':');

/** A machine this edge serves, by id, MAC or hostname. */
function findMachine(machines: Machine[], wanted: string): Machine {
  const byId = machines.find((m) => m.id === wanted);
  if (byId) return byId;
  const byMac = machines.find((m) => normalMac(m.mac) === normalMac(wanted));
  if (byMac) return byMac;
  const byName = machines.filter((m) => m.hostname.toLowerCase() === wanted.toLowerCase());
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new ImportError(`${byName.length} machines are named "${wanted}": give its id (${byName.map((m) => m.id).join(', ')})`);
  throw new ImportError(`no machine "${wanted}" among the ${machines.length} machine(s) this edge serves: give the id, hostname or MAC of one (register it first if it is new)`);
}

function controlPlaneMessage(error: ControlPlaneError, identity: EdgeIdentity): string {
  if (error.status === null) return `${error.message.replace('the control plane', `the control plane at ${identity.controlPlaneUrl}`)}; nothing was registered`;
  if (error.status === 401 || error.status === 403) return `the control plane refused this edge's credential (${error.message}): enrol it again with "marrow-edge enroll CODE --url ${identity.controlPlaneUrl}"`;
  return `the control plane refused: ${error.message}`;
}

function describePlan(plan: ImportPlan, source: string, machine: Machine): string[] {
  const lines = [`Importing ${source}: ${plan.disk.label === 'dos' ? 'MBR' : 'GPT'} disk, ${plan.partitions.length} partition(s), ${formatBytes(plan.inputBytes)} to read, for machine ${machine.hostname} (${machine.id})`];
  for (const p of plan.partitions) lines.push(`  partition ${p.number}: ${p.filesystem}, ${p.tool}, ${formatBytes(p.sizeBytes)} partition, from ${p.origin}`);
  for (const s of plan.skipped) lines.push(`  partition ${s.number}: skipped, ${s.reason}`);
  return lines;
}

function describeReport(report: ImportReport, description: string): string[] {
  const rate = (ms: number) => (ms > 0 ? `, ${formatBytes((report.inputBytes / ms) * 1000)}/s` : '');
  return [
    `Master "${report.masterLabel}" (${report.masterId}) is ready: "${description}"`,
    `  read          ${formatBytes(report.inputBytes)} (${report.inputBytes} bytes) of images in ${(report.readDurationMs / 1000).toFixed(1)} s${rate(report.readDurationMs)}; ${formatBytes(report.streamBytes)} of partition streams`,
    `  chunks        ${report.uniqueChunks} unique, ${report.newChunks} new in the edge cache, ${report.uploadedChunks} uploaded (${formatBytes(report.uploadedBytes)})`,
    ...(report.parentBackupImageId
      ? [`  deltas        ${report.deltaChunks} chunk(s) also as deltas against ${report.parentBackupImageId} (${formatBytes(report.uploadedDeltaBytes)} uploaded): sites holding it fetch those instead`]
      : []),
    `  compressed    ${formatBytes(report.compressedSizeBytes)} (${report.compressedSizeBytes} bytes)`,
    `  duration      ${formatDuration(report.durationMs)} (${(report.durationMs / 1000).toFixed(1)} s in all${rate(report.durationMs)})`,
    `  backup image  ${report.backupImageId}`,
  ];
}

/** The command, with its input and output injected (tests call it in-process). Returns the exit code, and the report on success. */
export async function runImportMaster(argv: string[], io: CommandIo, signal?: AbortSignal): Promise<{ code: number; report?: ImportReport }> {
  let request: Request | 'help';
  try {
    request = parseRequest(argv);
  } catch (error) {
    io.err(`${io.program}: ${(error as Error).message}\n\n${usage(io.program)}`);
    return { code: 2 };
  }
  if (request === 'help') {
    io.out(usage(io.program));
    return { code: 0 };
  }
  let identity: EdgeIdentity | undefined;
  const fail = (message: string, code = 1) => {
    io.err(`${io.program}: ${message}`);
    return { code };
  };
  try {
    const config = loadEdgeConfig(request.config ?? io.env.MARROW_EDGE_CONFIG, io.env);
    const dataDir = request.dataDir ? resolve(request.dataDir) : config.dataDir;
    const file = credentialFile({ dataDir });
    try {
      identity = await loadIdentity(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return fail(code === 'EACCES' ? `cannot read ${file} (permission denied): run as the user the edge runs as` : `the credential in ${file} is damaged: enrol this edge again`);
    }
    if (!identity) return fail(`this edge is not enrolled (no credential in ${dataDir}): run "marrow-edge enroll CODE --url https://…" first, or point --data-dir at the edge's data directory`);

    const plan = request.raw ? await planRawImport(request.raw) : await planPartcloneImport(request.table!, request.partitions);
    const controlPlane = new ControlPlaneClient(identity, io.fetchImpl);
    // Before a byte is chunked: the control plane answers, accepts this credential, and knows the machine.
    const machine = findMachine(await controlPlane.servedMachines(), request.machine);
    const source = request.raw ?? request.table!;
    const description = request.description ?? `Imported from ${request.raw ? basename(request.raw) : `${basename(dirname(resolve(request.table!)))}/${basename(request.table!)}`}`;
    const store = await ChunkStore.open(join(dataDir, 'cache'), config.cacheQuotaBytes, { removeLeftovers: false });
    for (const line of describePlan(plan, source, machine)) io.out(line);

    const progress = request.quiet ? undefined : new ProgressLine(io.progress);
    let report: ImportReport;
    try {
      report = await importMaster({
        plan,
        tenantId: identity.tenantId,
        machineId: machine.id,
        description,
        inDefaultStartupMenu: request.inDefaultStartupMenu,
        store,
        controlPlane,
        ...(io.fetchImpl ? { fetchImpl: io.fetchImpl } : {}),
        ...(signal ? { signal } : {}),
        ...(progress ? { onProgress: (p) => progress.update(p) } : {}),
      });
    } finally {
      progress?.done();
    }
    for (const line of describeReport(report, description)) io.out(line);
    return { code: 0, report };
  } catch (error) {
    if (error instanceof ImportAbortedError) {
      return fail(`${error.message}. The chunks stored so far stay in the edge cache (and in the archive, those uploaded): run the same command again to finish faster`, 130);
    }
    if (error instanceof ImportError || error instanceof EdgeConfigError) return fail(error.message);
    if (error instanceof ControlPlaneError && identity) return fail(controlPlaneMessage(error, identity));
    return fail((error as Error).message);
  }
}

/** As a process: stdout/stderr, and Ctrl-C (SIGINT) or SIGTERM abort an import that has not begun registering. */
export async function main(argv: string[], program = 'marrow-edge import-master'): Promise<number> {
  const interrupt = new AbortController();
  const stop = () => {
    if (interrupt.signal.aborted) {
      // A second interrupt is a person who will not wait for the registration to finish.
      process.stderr.write('\nstopped; a backup image being registered may stay "capturing" (delete it in the portal)\n');
      process.exit(130);
    }
    process.stderr.write('\nstopping… (a master already being registered finishes first; interrupt again to abandon it)\n');
    interrupt.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const { code } = await runImportMaster(
      argv,
      {
        program,
        out: (line) => console.log(line),
        err: (line) => console.error(line),
        progress: process.stderr,
        env: process.env,
      },
      interrupt.signal,
    );
    return code;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
