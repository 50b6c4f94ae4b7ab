import { describe, expect, it } from 'vitest';
import { previewMenu, type PreviewService } from './menu-preview';

const entity = { id: 'en_01J9ZQ4T6W2R8X5Y7V3N1K0M9P', name: 'General', tenantId: 'tn_01J9ZQ4T6W2R8X5Y7V3N1K0M9P' };
const services: PreviewService[] = [
  { id: 'bs_disk', kind: 'local-disk', label: 'Boot from local disk', enabled: true, order: 10, ipxeScript: null },
  { id: 'bs_reg', kind: 'register', label: 'Register this machine', enabled: true, order: 20, ipxeScript: null },
  { id: 'bs_deploy', kind: 'deploy-master', label: 'Deploy a master', enabled: true, order: 40, ipxeScript: null },
  { id: 'bs_diag', kind: 'diagnostics', label: 'Hardware diagnostics', enabled: false, order: 50, ipxeScript: null },
  { id: 'bs_mem', kind: 'custom', label: 'Memory test', enabled: true, order: 15, ipxeScript: 'chain http://10.0.0.1/memtest.efi' },
];
const masters = [
  { id: 'ms_b', label: 'M-20260102-BBBBBB', description: 'Windows 11', inDefaultStartupMenu: true, versions: [1] },
  { id: 'ms_a', label: 'M-20260101-AAAAAA', description: '', inDefaultStartupMenu: false, versions: [1] },
  { id: 'ms_c', label: 'M-20260103-CCCCCC', description: 'no image yet', inDefaultStartupMenu: true, versions: [] },
];
const classic = { defaultItemId: 'bs_disk', timeoutSeconds: 10 };
const wol = { defaultItemId: 'ms_b', timeoutSeconds: 0 };

describe('previewMenu', () => {
  it('reads the menu the imaging server renders: enabled items in order, masters of the menu that have an image, the default', () => {
    const preview = previewMenu(entity, services, masters, classic, wol, false);
    expect(preview.title).toBe('Marrow - General - HOSTNAME');
    expect(preview.items.map((i) => `${i.isDefault ? '*' : ''}${i.label}`)).toEqual([
      '*Boot from local disk',
      'Memory test',
      'Register this machine',
      'Deploy master M-20260102-BBBBBB - Windows 11',
    ]);
    expect(preview.footer).toBe('Starts “Boot from local disk” in 10 s unless another item is chosen.');
    expect(preview.script).toContain('choose --default marrow_item_0 --timeout 10000');
    expect(preview.defaultMissing).toBe(false);
  });
  it('shows that a timeout of 0 starts the default without a menu', () => {
    const preview = previewMenu(entity, services, masters, classic, wol, true);
    expect(preview.items.find((i) => i.isDefault)?.label).toBe('Deploy master M-20260102-BBBBBB - Windows 11');
    expect(preview.script).not.toContain('choose ');
    expect(preview.footer).toBe('No menu: starts “Deploy master M-20260102-BBBBBB - Windows 11” at once.');
  });
  it('warns when the default is not in the menu', () => {
    expect(previewMenu(entity, services, masters, { defaultItemId: 'bs_diag', timeoutSeconds: 5 }, wol, false).defaultMissing).toBe(true);
  });
});
