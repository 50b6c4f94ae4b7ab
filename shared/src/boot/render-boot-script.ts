import type { ArmedTask, CatalogueSnapshot, SnapshotEntity } from './catalogue-snapshot';
import { ipxeText, ipxeToken } from './ipxe-text';

/** Who is booting, as iPXE tells us in the boot-script URL (`mac=${net0/mac}&uuid=${uuid}&arch=${buildarch}`). */
export interface BootRequest {
  mac: string | null;
  uuid?: string | null;
  /** iPXE's ${buildarch}: i386, x86_64, arm64…; or "efi"/"pcbios" from ${platform}. */
  arch?: string | null;
  platform?: string | null;
  /** The machine was woken by Marrow (Wake-on-LAN) a moment ago: use the WOL menu. */
  wokenByMarrow: boolean;
}

export interface BootScriptOptions {
  /** Where the edge serves HTTP, e.g. "http://10.77.0.1:8080". */
  baseUrl: string;
  /** Paths of the imaging environment under baseUrl. */
  kernelPath: string;
  initrdPath: string;
  /** Extra kernel arguments for every imaging boot (e.g. "console=ttyS0"). */
  kernelArgs?: string;
  /** The one-time imaging session token the edge minted for this boot (`marrow.token=`). */
  sessionToken?: string;
}

type Mode = 'deploy' | 'backup' | 'register' | 'diagnostics';

interface MenuItem {
  label: string;
  /** The catalogue id this item stands for (boot service or master). */
  id: string;
  /** Script lines run when the item is chosen. */
  body: string[];
}

/**
 * Renders the iPXE script for one machine from the edge's catalogue snapshot:
 * - a one-shot task armed for its MAC boots straight into the imaging environment;
 * - an unknown MAC gets a menu offering "Register this machine";
 * - a known machine gets its entity's default startup menu — classic, or WOL when Marrow
 *   woke it — listing only enabled boot services and the masters flagged "in default
 *   startup menu", with the menu's default selection and timeout.
 * Pure: the same snapshot and request always give the same script.
 */
export function renderBootScript(snapshot: CatalogueSnapshot, request: BootRequest, options: BootScriptOptions): string {
  const mac = request.mac?.toLowerCase() ?? null;
  const machine = mac ? snapshot.machines.find((m) => m.mac === mac) : undefined;
  const home = snapshot.entities[0]!;
  const entity = (machine && snapshot.entities.find((e) => e.id === machine.entityId)) || home;
  const task = mac ? snapshot.armedTasks.find((t) => t.mac === mac) : undefined;
  const header = [`#!ipxe`, `# Marrow boot script, catalogue ${ipxeText(snapshot.version, 64)}`];

  if (task) {
    return lines([
      ...header,
      `echo Marrow: ${task.kind === 'deploy' ? 'deploying a master to' : 'backing up'} ${ipxeText(machine?.hostname ?? mac ?? 'this machine')}`,
      ...imagingBoot(task.kind, options, mac, taskArgs(task)),
    ]);
  }

  const items = machine ? knownMachineItems(entity, options, mac, request) : unknownMachineItems(entity, options, mac, request);
  const choice = request.wokenByMarrow ? entity.startupMenu.wol : entity.startupMenu.classic;
  const localDisk = items.find((i) => entity.bootServices.some((s) => s.id === i.id && s.kind === 'local-disk'));
  const defaultItem =
    items.find((i) => i.id === choice.defaultItemId) ??
    (entity.bootServices.some((s) => s.id === choice.defaultItemId && s.kind === 'deploy-master')
      ? items.find((i) => i.id.startsWith('ms_'))
      : undefined) ??
    localDisk ??
    items[0]!;
  const title = machine
    ? `Marrow - ${ipxeText(entity.name, 60)} - ${ipxeText(machine.hostname, 15)}`
    : `Marrow - ${ipxeText(entity.name, 60)} - this machine is not registered`;
  const labelOf = (index: number) => `marrow_item_${index}`;
  const defaultLabel = labelOf(items.indexOf(defaultItem));

  const script = [...header, `# ${request.wokenByMarrow ? 'WOL' : 'classic'} menu of entity ${entity.id}`];
  if (choice.timeoutSeconds === 0) {
    script.push(`goto ${defaultLabel}`);
  } else {
    script.push(':marrow_menu', `menu ${title}`);
    items.forEach((item, index) => script.push(`item ${labelOf(index)} ${item.label}`));
    // Esc (choose fails) boots the default too: an unattended machine must never hang here.
    script.push(`choose --default ${defaultLabel} --timeout ${choice.timeoutSeconds * 1000} marrow_target || goto ${defaultLabel}`);
    script.push('goto ${marrow_target}');
  }
  items.forEach((item, index) => {
    script.push(`:${labelOf(index)}`, ...item.body);
    // A step that falls through (a failed chain, a custom snippet that returns) shows the menu again.
    if (choice.timeoutSeconds > 0) script.push('goto marrow_menu');
    else script.push('exit');
  });
  return lines(script);
}

function knownMachineItems(entity: SnapshotEntity, options: BootScriptOptions, mac: string | null, request: BootRequest): MenuItem[] {
  const items: MenuItem[] = [];
  const services = entity.bootServices.filter((s) => s.enabled).sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  for (const service of services) {
    switch (service.kind) {
      case 'local-disk':
        items.push({ id: service.id, label: ipxeText(service.label), body: localDiskBoot(request) });
        break;
      case 'deploy-master':
        for (const master of entity.masters.filter((m) => m.inDefaultStartupMenu && m.version > 0)) {
          const description = master.description ? ` - ${ipxeText(master.description, 60)}` : '';
          items.push({
            id: master.id,
            label: `Deploy master ${ipxeText(master.label, 30)}${description}`,
            body: imagingBoot('deploy', options, mac, [`marrow.master=${ipxeToken(master.id)}`]),
          });
        }
        break;
      case 'custom':
        items.push({ id: service.id, label: ipxeText(service.label), body: customSnippet(service.ipxeScript ?? '') });
        break;
      default:
        items.push({ id: service.id, label: ipxeText(service.label), body: imagingBoot(service.kind, options, mac, []) });
    }
  }
  if (items.length === 0) items.push({ id: 'local-disk', label: 'Boot from local disk', body: localDiskBoot(request) });
  return items;
}

function unknownMachineItems(entity: SnapshotEntity, options: BootScriptOptions, mac: string | null, request: BootRequest): MenuItem[] {
  const register = entity.bootServices.find((s) => s.kind === 'register');
  const local = entity.bootServices.find((s) => s.kind === 'local-disk');
  return [
    { id: register?.id ?? 'register', label: 'Register this machine', body: imagingBoot('register', options, mac, []) },
    { id: local?.id ?? 'local-disk', label: ipxeText(local?.label ?? 'Boot from local disk'), body: localDiskBoot(request) },
  ];
}

function imagingBoot(mode: Mode, options: BootScriptOptions, mac: string | null, args: string[]): string[] {
  const base = ipxeToken(options.baseUrl.replace(/\/+$/, ''));
  const initrdName = options.initrdPath.split('/').pop()!;
  const kernelLine = [
    `kernel ${base}${ipxeToken(options.kernelPath)}`,
    // EFI iPXE needs the initrd named on the command line (recipe: "Unable to mount root fs" otherwise).
    `initrd=${ipxeToken(initrdName)}`,
    `marrow.mode=${mode}`,
    `marrow.server=${base}`,
    ...(mac ? [`marrow.mac=${ipxeToken(mac)}`] : []),
    ...(options.sessionToken ? [`marrow.token=${ipxeToken(options.sessionToken)}`] : []),
    ...args,
    ...(options.kernelArgs ? [options.kernelArgs] : []),
  ].join(' ');
  return [kernelLine, `initrd ${base}${ipxeToken(options.initrdPath)}`, 'boot'];
}

function taskArgs(task: ArmedTask): string[] {
  return [
    ...(task.deploymentId ? [`marrow.deployment=${ipxeToken(task.deploymentId)}`] : []),
    ...(task.masterId ? [`marrow.master=${ipxeToken(task.masterId)}`] : []),
    `marrow.machine=${ipxeToken(task.machineId)}`,
  ];
}

/** BIOS: hand the first disk to the firmware; EFI: leave iPXE so the firmware tries its next boot entry. */
function localDiskBoot(request: BootRequest): string[] {
  const efi = request.platform === 'efi' || request.arch === 'arm64';
  return efi ? ['exit'] : ['sanboot --no-describe --drive 0x80 || exit'];
}

/** A custom boot service's snippet (validated when saved) runs as written, minus its own shebang. */
function customSnippet(snippet: string): string[] {
  return snippet
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#!ipxe'))
    .map((line) => line.replace(/[\p{Cc}]/gu, ' '));
}

function lines(script: string[]): string {
  return `${script.join('\n')}\n`;
}
