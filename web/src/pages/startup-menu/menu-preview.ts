import { renderBootScript, type CatalogueSnapshot } from '@marrow/shared';

/**
 * The preview of an entity's startup menu is the boot script the imaging server itself
 * renders (shared renderBootScript), for a registered machine of the entity: what the
 * screen lists is read back from that script, so the preview cannot drift from the edge.
 */
export interface PreviewEntity {
  id: string;
  name: string;
  tenantId: string;
}

export interface PreviewService {
  id: string;
  kind: CatalogueSnapshot['entities'][number]['bootServices'][number]['kind'];
  label: string;
  enabled: boolean;
  order: number;
  ipxeScript: string | null;
}

export interface PreviewMaster {
  id: string;
  label: string;
  description: string;
  inDefaultStartupMenu: boolean;
  versions: readonly unknown[];
}

export interface MenuChoice {
  defaultItemId: string;
  timeoutSeconds: number;
}

export interface MenuPreview {
  /** The iPXE script a machine of the entity gets. */
  script: string;
  title: string;
  items: { label: string; isDefault: boolean }[];
  timeoutSeconds: number;
  /** What the machine does when nobody chooses. */
  footer: string;
  /** The chosen default is not an item of the menu: the machine falls back to another one. */
  defaultMissing: boolean;
}

const PREVIEW_MAC = '52:54:00:00:00:01';
const PREVIEW_HOSTNAME = 'HOSTNAME';
const NO_SERVER = 'is_00000000000000000000000000';
const NO_MACHINE = 'mc_00000000000000000000000000';

export function previewMenu(
  entity: PreviewEntity,
  services: readonly PreviewService[],
  masters: readonly PreviewMaster[],
  classic: MenuChoice,
  wol: MenuChoice,
  woken: boolean,
): MenuPreview {
  const render = (menu: { classic: MenuChoice; wol: MenuChoice }) =>
    renderBootScript(
      snapshotOf(entity, services, masters, menu),
      { mac: PREVIEW_MAC, arch: 'x86_64', platform: 'pcbios', wokenByMarrow: woken },
      { baseUrl: 'http://imaging-server', kernelPath: '/imaging/vmlinuz', initrdPath: '/imaging/initrd.img' },
    );
  const choice = woken ? wol : classic;
  const script = render({ classic, wol });
  // With a timeout of 0 the script shows no menu; the listing comes from the same menu with a timeout.
  const atLeastOne = (c: MenuChoice) => ({ ...c, timeoutSeconds: Math.max(1, c.timeoutSeconds) });
  const listing = choice.timeoutSeconds === 0 ? render({ classic: atLeastOne(classic), wol: atLeastOne(wol) }) : script;
  const lines = listing.split('\n');
  const title = lines.find((l) => l.startsWith('menu '))?.slice(5) ?? '';
  const defaultName = /--default (\S+)/.exec(lines.find((l) => l.startsWith('choose ')) ?? '')?.[1];
  const items = lines
    .filter((l) => l.startsWith('item '))
    .map((l) => ({ label: l.split(' ').slice(2).join(' '), isDefault: l.split(' ')[1] === defaultName }));
  const chosen = items.find((i) => i.isDefault)?.label ?? '';
  const deployEnabled = services.some((s) => s.kind === 'deploy-master' && s.enabled);
  const inMenu =
    services.some((s) => s.id === choice.defaultItemId && s.enabled && s.kind !== 'deploy-master') ||
    masters.some((m) => m.id === choice.defaultItemId && m.inDefaultStartupMenu && m.versions.length > 0 && deployEnabled);
  const footer =
    choice.timeoutSeconds === 0
      ? `No menu: starts “${chosen}” at once.`
      : `Starts “${chosen}” in ${choice.timeoutSeconds} s unless another item is chosen.`;
  return { script, title, items, timeoutSeconds: choice.timeoutSeconds, footer, defaultMissing: !inMenu };
}

function snapshotOf(
  entity: PreviewEntity,
  services: readonly PreviewService[],
  masters: readonly PreviewMaster[],
  startupMenu: { classic: MenuChoice; wol: MenuChoice },
): CatalogueSnapshot {
  return {
    schemaVersion: 1,
    version: 'preview',
    generatedAt: new Date(0).toISOString(),
    tenantId: entity.tenantId,
    imagingServerId: NO_SERVER,
    entities: [
      {
        id: entity.id,
        name: entity.name,
        bootServices: services.map(({ id, kind, label, enabled, order, ipxeScript }) => ({ id, kind, label, enabled, order, ipxeScript })),
        startupMenu,
        masters: masters.map((m) => ({ id: m.id, label: m.label, description: m.description, inDefaultStartupMenu: m.inDefaultStartupMenu, version: m.versions.length })),
      },
    ],
    machines: [{ id: NO_MACHINE, entityId: entity.id, mac: PREVIEW_MAC, hostname: PREVIEW_HOSTNAME }],
    armedTasks: [],
  };
}
