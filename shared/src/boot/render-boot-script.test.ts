import { describe, expect, it } from 'vitest';
import { armedTaskSchema, snapshotMasterSchema, type CatalogueSnapshot } from './catalogue-snapshot';
import { ipxeText } from './ipxe-text';
import { renderBootScript, type BootRequest } from './render-boot-script';

const E = 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P';
const snapshot: CatalogueSnapshot = {
  schemaVersion: 1,
  version: 'v-abc',
  generatedAt: '2026-11-26T12:00:00.000Z',
  tenantId: 'tn_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
  imagingServerId: 'is_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
  entities: [
    {
      id: E,
      name: 'General',
      bootServices: [
        { id: 'bs_local', kind: 'local-disk', label: 'Boot from local disk', enabled: true, order: 10, ipxeScript: null },
        { id: 'bs_reg', kind: 'register', label: 'Register this machine', enabled: true, order: 20, ipxeScript: null },
        { id: 'bs_bak', kind: 'backup', label: 'Back up this machine', enabled: true, order: 30, ipxeScript: null },
        { id: 'bs_dep', kind: 'deploy-master', label: 'Deploy a master', enabled: true, order: 40, ipxeScript: null },
        { id: 'bs_diag', kind: 'diagnostics', label: 'Hardware diagnostics', enabled: false, order: 50, ipxeScript: null },
        { id: 'bs_mem', kind: 'custom', label: 'Memory test', enabled: true, order: 5, ipxeScript: '#!ipxe\nchain http://10.0.0.1/memtest.efi' },
      ],
      startupMenu: { classic: { defaultItemId: 'bs_local', timeoutSeconds: 10 }, wol: { defaultItemId: 'ms_win11', timeoutSeconds: 3 } },
      masters: [
        { id: 'ms_win11', label: 'M-20261126-AAAAAA', description: 'Windows 11 23H2', inDefaultStartupMenu: true, version: 2 },
        { id: 'ms_hidden', label: 'M-20261126-BBBBBB', description: 'not in menu', inDefaultStartupMenu: false, version: 1 },
        { id: 'ms_empty', label: 'M-20261126-CCCCCC', description: 'no image yet', inDefaultStartupMenu: true, version: 0 },
      ],
    },
  ],
  machines: [{ id: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', entityId: E, mac: '52:54:00:00:00:42', hostname: 'lab-042' }],
  armedTasks: [],
};
const options = { baseUrl: 'http://10.77.0.1:8080', kernelPath: '/imaging/vmlinuz', initrdPath: '/imaging/initrd.gz', kernelArgs: 'console=ttyS0' };
const known: BootRequest = { mac: '52:54:00:00:00:42', wokenByMarrow: false, platform: 'pcbios' };

describe('renderBootScript', () => {
  it('gives a known machine its classic menu: enabled services in order, flagged masters, default and timeout', () => {
    const script = renderBootScript(snapshot, known, options);
    expect(script.startsWith('#!ipxe\n')).toBe(true);
    expect(script).toContain('menu Marrow - General - lab-042');
    const items = script.split('\n').filter((l) => l.startsWith('item '));
    expect(items).toEqual([
      'item marrow_item_0 Memory test',
      'item marrow_item_1 Boot from local disk',
      'item marrow_item_2 Register this machine',
      'item marrow_item_3 Back up this machine',
      'item marrow_item_4 Deploy master M-20261126-AAAAAA - Windows 11 23H2',
    ]);
    expect(script).toContain('choose --default marrow_item_1 --timeout 10000 marrow_target || goto marrow_item_1');
    expect(script).toContain(':marrow_item_1\nsanboot --no-describe --drive 0x80 || exit');
    expect(script).toContain(':marrow_item_0\nchain http://10.0.0.1/memtest.efi\ngoto marrow_menu');
    expect(script).not.toContain('diagnostics');
    expect(script).toMatch(/kernel http:\/\/10\.77\.0\.1:8080\/imaging\/vmlinuz initrd=initrd\.gz marrow\.mode=deploy .*marrow\.master=ms_win11 console=ttyS0/);
  });

  it('uses the WOL menu when Marrow woke the machine', () => {
    const script = renderBootScript(snapshot, { ...known, wokenByMarrow: true }, options);
    expect(script).toContain('choose --default marrow_item_4 --timeout 3000');
  });

  it('boots the default at once when the timeout is 0', () => {
    const zero = structuredClone(snapshot);
    zero.entities[0]!.startupMenu.classic.timeoutSeconds = 0;
    const script = renderBootScript(zero, known, options);
    expect(script.split('\n').filter((l) => l.startsWith('menu ') || l.startsWith('choose '))).toEqual([]);
    expect(script).toContain('goto marrow_item_1');
  });

  it('offers an unknown machine to register, booting the local disk by default', () => {
    const script = renderBootScript(snapshot, { mac: '52:54:00:99:99:99', wokenByMarrow: false }, options);
    expect(script).toContain('this machine is not registered');
    expect(script).toContain('item marrow_item_0 Register this machine');
    expect(script).toContain('marrow.mode=register marrow.server=http://10.77.0.1:8080 marrow.mac=52:54:00:99:99:99');
    expect(script).toContain('choose --default marrow_item_1');
    expect(script).not.toContain('Deploy master');
  });

  it('boots an armed task straight into the imaging environment', () => {
    const armed = structuredClone(snapshot);
    armed.armedTasks.push({
      kind: 'deploy',
      machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
      mac: '52:54:00:00:00:42',
      deploymentId: 'dp_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
      masterId: 'ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
      wakeOnLan: true,
    });
    const script = renderBootScript(armed, { ...known, mac: '52:54:00:00:00:42'.toUpperCase() }, options);
    expect(script.split('\n').filter((l) => l.startsWith('menu ') || l.startsWith('item '))).toEqual([]);
    expect(script).toContain('echo Marrow: deploying a master to lab-042');
    expect(script).toContain('marrow.mode=deploy');
    expect(script).toContain('marrow.deployment=dp_01J9ZQ4T6W2R8X5Y7V3N1K0M9P');
    expect(script.trimEnd().split('\n').slice(-2)).toEqual(['initrd http://10.77.0.1:8080/imaging/initrd.gz', 'boot']);
  });

  it('boots an armed backup request straight into backup mode, and older snapshots without backupRequestId still parse', () => {
    const armed = structuredClone(snapshot);
    armed.armedTasks.push({
      kind: 'backup',
      machineId: 'mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
      mac: '52:54:00:00:00:42',
      deploymentId: null,
      masterId: null,
      wakeOnLan: false,
      backupRequestId: 'br_01J9ZQ4T6W2R8X5Y7V3N1K0M9P',
    });
    const script = renderBootScript(armed, known, options);
    expect(script.split('\n').filter((l) => l.startsWith('menu ') || l.startsWith('item '))).toEqual([]);
    expect(script).toContain('echo Marrow: backing up lab-042');
    expect(script).toMatch(/marrow\.mode=backup .*marrow\.machine=mc_01J9ZQ4T6W2R8X5Y7V3N1K0M9P/);
    expect(script).not.toContain('marrow.deployment=');
    expect(armedTaskSchema.parse(armed.armedTasks[0]).backupRequestId).toBe('br_01J9ZQ4T6W2R8X5Y7V3N1K0M9P');
    const { backupRequestId: _dropped, ...older } = armed.armedTasks[0]!;
    expect(armedTaskSchema.safeParse(older).success).toBe(true);
  });

  it("keeps a master's post-imaging lines out of the boot script; snapshots without them still parse", () => {
    const withScripts = structuredClone(snapshot);
    withScripts.entities[0]!.masters[0]!.postImagingScript = ['MountSystem', 'CopySysprep corp'];
    expect(renderBootScript(withScripts, known, options)).toBe(renderBootScript(snapshot, known, options));
    expect(snapshotMasterSchema.parse(withScripts.entities[0]!.masters[0]).postImagingScript).toEqual(['MountSystem', 'CopySysprep corp']);
    expect(snapshotMasterSchema.parse(snapshot.entities[0]!.masters[0]).postImagingScript).toBeUndefined();
    expect(snapshotMasterSchema.safeParse({ ...snapshot.entities[0]!.masters[0], postImagingScript: 'MountSystem' }).success).toBe(false);
  });

  it('neutralises user text that would be iPXE syntax', () => {
    const evil = structuredClone(snapshot);
    evil.entities[0]!.name = 'Site ${net0/mac} && chain http://evil/x\nshell';
    evil.entities[0]!.masters[0]!.description = '|| reboot';
    const script = renderBootScript(evil, known, options);
    const title = script.split('\n').find((l) => l.startsWith('menu '))!;
    expect(title).toBe('menu Marrow - Site $ {net0/mac} & & chain http://evil/x shell - lab-042');
    expect(script).toContain('- | | reboot');
    expect(script.split('\n').some((l) => l.trim() === 'shell')).toBe(false);
  });

  it('exits to the firmware for the local disk on EFI', () => {
    const script = renderBootScript(snapshot, { ...known, platform: 'efi' }, options);
    expect(script).toContain(':marrow_item_1\nexit');
  });
});

describe('ipxeText', () => {
  it.each([
    ['plain text', 'plain text'],
    ['# heading', 'heading'],
    [':label', 'label'],
    ['a\nb\tc', 'a b c'],
    ['${x}', '$ {x}'],
    ['x || y && z', 'x | | y & & z'],
    ['price $5', 'price $5'],
  ])('%j → %j', (input, output) => expect(ipxeText(input)).toBe(output));
});
