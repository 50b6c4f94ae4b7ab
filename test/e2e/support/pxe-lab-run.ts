import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onTestFailed } from 'vitest';
import { REPO_ROOT } from './netns-node';
import {
  addTap,
  bootVm,
  cleanSerial,
  createPxeNetwork,
  HTTP_PORT,
  PxeSite,
  readText,
  SITE_ADDRESS,
  startDnsmasq,
  tail,
  type BootVmOptions,
  type PxeNetwork,
  type VmRun,
} from './pxe-lab';
import type { PxeSiteOptions } from './pxe-site';

const exec = promisify(execFile);

/**
 * One run of a test file on the PXE lab (pxe-boot.test.ts, imaging.test.ts): the packages it
 * needs, its working directory, the lab it starts there (network, dnsmasq, Marrow's site), the
 * VMs it boots, and what it leaves behind. A failed set-up, or a failed test that called
 * watchFailures(), keeps the run's logs in test-artifacts/<name>/<time>; the working
 * directory goes in any case (on process exit too), and the timings are printed at the end.
 */
export class PxeLabRun {
  /** The working directory (makeWork()); empty before. */
  work = '';
  network: PxeNetwork | undefined;
  site: PxeSite | undefined;
  /** dnsmasq's log file (startSite()). */
  dnsmasqLog = '';
  readonly timings: string[] = [];
  private keepArtifacts = false;
  private readonly removeWork = () => {
    if (this.work) rmSync(this.work, { recursive: true, force: true });
  };

  /** `name`: the test's name in log lines and in test-artifacts/. */
  constructor(readonly name: string) {}

  /** Runs the set-up; should it fail, the logs are kept. */
  async setUp(body: () => Promise<void>): Promise<void> {
    this.keepArtifacts = true;
    await body();
    this.keepArtifacts = false;
  }

  /**
   * Runs test/e2e/install-packages.sh when a command (on PATH, in /usr/sbin or /sbin) or a
   * file is missing; throws if one still is.
   */
  async installMissing(commands: string[], files: string[] = []): Promise<void> {
    const missing = await missingTool(commands, files);
    if (!missing) return;
    console.log(`${this.name}: ${missing} is missing: running test/e2e/install-packages.sh`);
    await exec('bash', [join(REPO_ROOT, 'test/e2e/install-packages.sh')], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    const still = await missingTool(commands, files);
    if (still) throw new Error(`${still} is still missing after test/e2e/install-packages.sh`);
  }

  /** A fresh working directory under the system's temporary directory. */
  async makeWork(prefix: string): Promise<string> {
    this.work = await mkdtemp(join(tmpdir(), prefix));
    // The lab kills its processes and deletes its namespaces on exit; this removes our files.
    process.once('exit', this.removeWork);
    return this.work;
  }

  /**
   * The lab in the working directory: network namespaces, dnsmasq as the site's DHCP server,
   * and Marrow (control plane + edge) at SITE_ADDRESS, HTTP boot on HTTP_PORT, Debian's iPXE.
   */
  async startSite(options: Pick<PxeSiteOptions, 'imagingDir' | 'kernelArgs' | 'adminPassword'>): Promise<PxeSite> {
    this.network = await createPxeNetwork();
    this.dnsmasqLog = (await startDnsmasq(this.network, this.work)).logFile;
    this.site = await PxeSite.start(this.network, {
      dataDir: join(this.work, 'marrow'),
      address: SITE_ADDRESS,
      httpPort: HTTP_PORT,
      ipxeDir: '/usr/lib/ipxe',
      ...options,
    });
    return this.site;
  }

  /** One more tap device on the lab's bridge, for a second VM running at the same time. */
  async addTap(name: string): Promise<void> {
    await addTap(this.network!, name);
  }

  /** A VM on the lab's network, its files in the working directory; its time goes into the timings. */
  async bootVm(options: Omit<BootVmOptions, 'network' | 'work'>): Promise<VmRun> {
    const run = await bootVm({ network: this.network!, work: this.work, ...options });
    this.timings.push(`${options.name}: VM ${run.durationMs} ms (${run.outcome})`);
    return run;
  }

  /** Keeps the logs should the current test fail. */
  watchFailures(): void {
    onTestFailed(() => {
      this.keepArtifacts = true;
    });
  }

  /** An assertion message: `note`, the VM's outcome and the tails of its console, dnsmasq's log and the edge's. */
  async diagnostics(run: VmRun | undefined, note = '', tails: { serial: number; dnsmasq: number; edge: number } = { serial: 40, dnsmasq: 30, edge: 30 }): Promise<string> {
    return [
      note,
      run ? `VM: ${run.outcome} after ${run.durationMs} ms, QEMU exit ${run.exitCode}; serial log ${run.serialFile}` : '',
      run?.qemuOutput.trim() ? `--- QEMU output\n${tail(run.qemuOutput, 20)}` : '',
      run ? `--- serial console (tail)\n${tail(cleanSerial(run.serial), tails.serial)}` : '',
      `--- dnsmasq log (tail)\n${tail(await readText(this.dnsmasqLog), tails.dnsmasq)}`,
      `--- edge log (tail)\n${tail(this.site?.log() ?? '', tails.edge)}`,
    ]
      .filter(Boolean)
      .join('\n');
  }

  /** Stops the lab, keeps the logs if asked to (not the disk images, not Marrow's data), removes the working directory. */
  async tearDown(): Promise<void> {
    const work = this.work;
    if (work && this.site) await writeFile(join(work, 'edge.log'), this.site.log()).catch(() => undefined);
    await this.network?.lab.destroy();
    if (work && this.keepArtifacts) {
      const kept = join(REPO_ROOT, 'test-artifacts', this.name, new Date().toISOString().replace(/[:.]/g, '-'));
      await mkdir(kept, { recursive: true });
      await cp(work, kept, { recursive: true, filter: (source) => !/\.(img|fd)$/.test(source) && !source.split('/').includes('marrow') });
      console.log(`${this.name}: logs of the failed run kept in ${kept}`);
    }
    if (work) await rm(work, { recursive: true, force: true });
    process.off('exit', this.removeWork);
    if (this.timings.length) console.log(`${this.name} timings:\n  ${this.timings.join('\n  ')}`);
  }
}

/** The first of `commands` (on PATH, in /usr/sbin or /sbin) or `files` that is not there. */
async function missingTool(commands: string[], files: string[]): Promise<string | undefined> {
  for (const command of commands) {
    const found = await exec('bash', ['-c', `command -v ${command} || test -x /usr/sbin/${command} || test -x /sbin/${command}`]).then(
      () => true,
      () => false,
    );
    if (!found) return command;
  }
  return files.find((file) => !existsSync(file));
}
