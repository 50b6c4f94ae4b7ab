import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { chunkPath, deltaPath } from '@marrow/shared';
import { isArchived, later, newChunk, storeImage, storeOrphan } from './support/portal-archive';
import { launchChromium, newPortalContext, screenshot } from './support/portal-browser';
import { PortalDriver } from './support/portal-page';
import { buildPortal, startPortalStack, storeHealthReport, type PortalStack } from './support/portal-stack';

/**
 * The portal in a real browser against the real local stack: Debian's Chromium driven by
 * playwright-core, the local host in-process (dynalite, s3rver, aedes) serving the built
 * portal. It signs in, walks every page (screenshots in test-artifacts/portal/, axe-core on
 * each), creates, edits and deletes through the UI, sees a refused delete of an in-use
 * master, and sees the imaging-server status change when a simulated edge reports.
 */
let stack: PortalStack;
let browser: Browser;
let context: BrowserContext;
let ui: PortalDriver;

const ids: { general?: string; lyon?: string; lyonServer?: string; master?: string; masterLabel?: string; deployment?: string; machines: Record<string, string> } = {
  machines: {},
};

beforeAll(async () => {
  buildPortal();
  stack = await startPortalStack();
  browser = await launchChromium();
  context = await newPortalContext(browser);
  ui = new PortalDriver(await context.newPage(), stack.baseUrl);
});

// A failed step leaves a screenshot of what the browser showed.
afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && ui) await screenshot(ui.page, `failed-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Steps build on each other: after a failure, the rest is skipped rather than failing in cascade. */
let failed = false;
function step(name: string, body: () => Promise<void> | void) {
  it(name, async (context) => {
    if (failed) context.skip();
    try {
      await body();
    } catch (error) {
      failed = true;
      throw error;
    }
  });
}

describe('portal', () => {
  step('serves the portal at the URL root with its runtime config, and keeps /v1 for the API', async () => {
    const root = await fetch(`${stack.baseUrl}/masters`);
    expect(root.status).toBe(200);
    expect(root.headers.get('cache-control')).toBe('no-cache');
    expect(await root.text()).toContain('<div id="root"></div>');
    expect(await (await fetch(`${stack.baseUrl}/config.json`)).json()).toEqual({ authMode: 'local' });
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await (await fetch(`${stack.baseUrl}/`)).text())![1]!;
    expect((await fetch(stack.baseUrl + asset)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const api404 = await fetch(`${stack.baseUrl}/v1/no-such-route`);
    expect(api404.status).toBe(404);
    expect((await api404.json()).error.code).toBe('not-found');
  });

  step('signs in with the first-start password (after a wrong one)', async () => {
    await ui.goto('/');
    await ui.heading('Marrow');
    await ui.record('01-sign-in');
    await ui.signIn('admin', 'not-the-password');
    await ui.see('Wrong username or password');
    await ui.signIn('admin', stack.password);
    await ui.heading('Imaging server status');
    await ui.see('No imaging server serves this entity.');
    await ui.record('02-imaging-server-status-general');
  });

  step('creates, edits and nests an entity, and registers its imaging server', async () => {
    await ui.nav('Entities');
    await ui.page.getByRole('button', { name: 'Create entity' }).click();
    const dialog = ui.dialog();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await ui.see('Must not be empty.', dialog);
    await dialog.getByLabel('Name').fill('Lyon site');
    await ui.choose(dialog.getByRole('button', { name: /Parent entity/ }), /^General$/);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await ui.flash(/Entity Lyon site created/);
    await ui.see('Lyon site');

    await ui.rowAction('Actions for entity General / Lyon site', 'Edit');
    await ui.dialog().getByLabel('Description - optional').fill('Building B, ground floor');
    await ui.dialog().getByRole('button', { name: 'Save' }).click();
    await ui.flash('Entity Lyon site saved.');

    await ui.rowAction('Actions for entity General / Lyon site', 'Register imaging server');
    await ui.dialog().getByLabel('Name').fill('lyon-edge-1');
    await ui.dialog().getByRole('button', { name: 'Register' }).click();
    await ui.flash(/Imaging server lyon-edge-1 registered/);
    // The appliance's one-time enrolment code, shown once, with the command that uses it.
    await ui.see('Enrolment code of lyon-edge-1');
    await ui.see(new RegExp(`marrow-edge enroll \\S+ --url ${stack.baseUrl.replace(/[.]/g, '\\.')}`), ui.dialog());
    await ui.record('03-enrolment-code');
    await ui.dialog().getByRole('button', { name: 'Done' }).click();
    await ui.see('lyon-edge-1');
    await ui.record('03-entities-with-imaging-server');

    const entities = await stack.api<{ items: { id: string; name: string; imagingServerId: string | null }[] }>('GET', '/v1/entities');
    const lyon = entities.items.find((e) => e.name === 'Lyon site')!;
    ids.lyon = lyon.id;
    ids.lyonServer = lyon.imagingServerId!;
    ids.general = entities.items.find((e) => e.name === 'General')!.id;
    expect(ids.lyonServer).toMatch(/^is_/);
  });

  step('shows Offline, then Available with disk space, load and statistics when the edge reports, then Connection error', async () => {
    await ui.nav('Imaging server status');
    await ui.chooseEntity(/^General \/ Lyon site/);
    await ui.see('This imaging server has never reported; check that it is installed and enrolled.');
    await ui.see(/contact the administrator or technical support/);
    expect(await ui.page.getByTestId('server-status').innerText()).toContain('Offline');
    await ui.record('04-imaging-server-status-offline');

    await storeHealthReport(stack.host, stack.tenantId, ids.lyonServer!);
    await ui.page.getByRole('button', { name: 'Refresh the status' }).click();
    await expect.poll(() => ui.page.getByTestId('server-status').innerText(), { timeout: 20_000 }).toContain('Available');
    await ui.see('/dev/vda3 (/srv/marrow)');
    await ui.see('180.0 GB used of 500.0 GB');
    await ui.see('320.0 GB free');
    await ui.see('3 d 4 h');
    await ui.see('Lyon site entity statistics');
    await ui.record('05-imaging-server-status-available');

    await storeHealthReport(stack.host, stack.tenantId, ids.lyonServer!, { controlPlaneReachable: false, lastError: 'getaddrinfo ENOTFOUND api.marrow.example' });
    await ui.page.getByRole('button', { name: 'Refresh the status' }).click();
    await expect.poll(() => ui.page.getByTestId('server-status').innerText(), { timeout: 20_000 }).toContain('Connection error');
    await ui.see(/report the issue to the technical team/);
    await ui.see(/ENOTFOUND/);
    await ui.record('06-imaging-server-status-connection-error');
    await storeHealthReport(stack.host, stack.tenantId, ids.lyonServer!);
  });

  step('registers, edits and removes machines, with inline validation', async () => {
    await ui.nav('Machines');
    await ui.chooseEntity(/^General \/ Lyon site/);
    await ui.see('No machines');
    await ui.record('07-machines-empty');
    for (const [mac, hostname] of [
      ['52-54-00-AA-00-42', 'lab-042'],
      ['52:54:00:aa:00:43', 'lab-043'],
      ['5254.00aa.0044', 'lab-044'],
    ] as const) {
      await ui.page.getByRole('button', { name: 'Register machine' }).first().click();
      const dialog = ui.dialog();
      await dialog.getByLabel('MAC address').fill(mac === '52-54-00-AA-00-42' ? '52:54:00' : mac);
      await dialog.getByLabel('Hostname').fill(hostname);
      await dialog.getByRole('button', { name: 'Register' }).click();
      if (mac === '52-54-00-AA-00-42') {
        await ui.see('Must be a MAC address like 52:54:00:12:34:56.', dialog);
        await ui.record('08-machine-register-invalid');
        await dialog.getByLabel('MAC address').fill(mac);
        await dialog.getByRole('button', { name: 'Register' }).click();
      }
      await ui.flash(`Machine ${hostname} registered.`);
    }
    await ui.see('52:54:00:aa:00:44');
    await ui.rowAction('Actions for machine lab-044', 'Edit');
    await ui.dialog().getByLabel('Hostname').fill('lab_044');
    await ui.dialog().getByRole('button', { name: 'Save' }).click();
    await ui.see('May hold only letters, digits and inner hyphens.', ui.dialog());
    await ui.dialog().getByLabel('Hostname').fill('lab-045');
    await ui.dialog().getByRole('button', { name: 'Save' }).click();
    await ui.flash('Machine lab-045 saved.');
    await ui.record('09-machines');
    await ui.rowAction('Actions for machine lab-045', 'Remove');
    await ui.dialog().getByRole('button', { name: 'Remove' }).click();
    await ui.flash('Machine lab-045 removed.');
    const machines = await stack.api<{ items: { id: string; hostname: string }[] }>('GET', `/v1/machines?entityId=${ids.lyon}`);
    expect(machines.items.map((m) => m.hostname).sort()).toEqual(['lab-042', 'lab-043']);
    for (const m of machines.items) ids.machines[m.hostname] = m.id;
  });

  step('promotes a ready backup image to a master', async () => {
    // What the imaging server registers after a capture: a ready backup image with its manifest.
    const manifestKey = 'backups/e2e/manifest.json';
    await stack.host.deps.archive.put(stack.tenantId, manifestKey, JSON.stringify({ schema: 1, partitions: [] }));
    await stack.api('POST', '/v1/backup-images', {
      machineId: ids.machines['lab-042'],
      description: 'Fresh Windows 11 23H2',
      state: 'ready',
      sizeBytes: 64e9,
      compressedSizeBytes: 21.4e9,
      manifestKey,
    });
    await ui.nav('Backup images');
    await ui.see('Fresh Windows 11 23H2');
    await ui.record('10-backup-images');
    await ui.rowAction('Actions for the backup image of lab-042', 'Promote to master');
    await ui.dialog().getByLabel('Description').fill('Windows 11 23H2, Office');
    await ui.dialog().getByRole('button', { name: 'Promote' }).click();
    await ui.flash(/Master M-\d{8}-\w{6} created from the backup image of lab-042/);
    await ui.heading('Masters');
    await ui.see('Windows 11 23H2, Office');
    await ui.see('21.4 GB');
    const masters = await stack.api<{ items: { id: string; label: string }[] }>('GET', `/v1/masters?entityId=${ids.lyon}`);
    ids.master = masters.items[0]!.id;
    ids.masterLabel = masters.items[0]!.label;
    await ui.rowAction(`Actions for master ${ids.masterLabel}`, 'Edit description and scripts');
    await ui.dialog().getByLabel('Description').fill('Windows 11 23H2 with Office');
    await ui.dialog().getByRole('button', { name: 'Save' }).click();
    await ui.flash(`Master ${ids.masterLabel} updated.`);
    await ui.see('Windows 11 23H2 with Office');
    await ui.record('11-masters');
  });

  step('writes a post-imaging script with the errors on their lines, then associates it with the master', async () => {
    await ui.nav('Post-imaging scripts');
    await ui.see('No post-imaging scripts');
    await ui.page.getByRole('button', { name: 'Create script' }).first().click();
    await ui.heading('Create post-imaging script');
    await ui.page.getByLabel('Name', { exact: true }).fill('Domain join');
    // The starter script's CopySysprep has no answer file yet: line 2 says so as soon as it is shown.
    await ui.see('Line 2: CopySysprep needs the name of an answer file', ui.page.getByTestId('script-line-2'));
    await ui.page.getByRole('button', { name: 'Add line' }).click();
    await ui.page.getByRole('menuitem', { name: /^Custom line/ }).click();
    await ui.page.getByLabel('Line 4: custom shell line').fill('CopySysprp w11');
    await ui.see(/Line 4: unknown command "CopySysprp" \(did you mean CopySysprep\?\)/, ui.page.getByTestId('script-line-4'));
    await ui.page.getByTestId('save-script').click();
    await ui.see('Fix the 2 lines marked below.');
    await ui.record('12-script-editor-errors');
    await ui.page.getByLabel('Line 2: CopySysprep NAME').fill('win11-domain');
    await ui.page.getByLabel('Line 4: custom shell line').fill('echo done > /mnt/system/marrow.txt');
    await ui.page.getByRole('button', { name: 'Add line' }).click();
    await ui.page.getByRole('menuitem', { name: /^CopyAgent/ }).click();
    await ui.page.getByTestId('save-script').click();
    await ui.flash('Post-imaging script Domain join created.');
    await ui.see('MountSystem, CopySysprep, CopyRunAtOnce, custom, CopyAgent');

    await ui.page.getByRole('link', { name: 'Domain join' }).click();
    await ui.heading('Edit post-imaging script');
    await ui.choose(ui.page.getByRole('button', { name: /Masters/ }), new RegExp(ids.masterLabel!));
    await ui.page.keyboard.press('Escape');
    await ui.page.getByRole('button', { name: 'Move line 5 up' }).click();
    await ui.record('13-script-editor');
    await ui.page.getByTestId('save-script').click();
    await ui.flash('Post-imaging script Domain join saved.');
    await ui.see(ids.masterLabel!);
    await ui.record('14-post-imaging-scripts');
    const scripts = await stack.api<{ items: { lines: string[] }[] }>('GET', '/v1/post-imaging-scripts');
    expect(scripts.items[0]!.lines).toEqual(['MountSystem', 'CopySysprep win11-domain', 'CopyRunAtOnce', 'CopyAgent', 'echo done > /mnt/system/marrow.txt']);
  });

  step('keeps the answer file the script names: XML checked before it is sent, a delete refused while the script uses it', async () => {
    await ui.nav('Answer files');
    await ui.see('No answer files');
    await ui.page.getByRole('button', { name: 'Create answer file' }).first().click();
    const dialog = ui.dialog();
    await dialog.getByLabel('Name', { exact: true }).fill('win11-domain');
    await dialog.getByLabel('Content (unattend.xml)').fill('<unattend>\n  <settings pass="specialize">\n</unattend>');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await ui.see('line 3: </unattend> closes <settings> (opened on line 2)', dialog);
    await ui.record('14b-answer-file-invalid');
    await dialog
      .getByLabel('Content (unattend.xml)')
      .fill('<?xml version="1.0" encoding="utf-8"?>\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\n  <settings pass="specialize">\n    <component name="Microsoft-Windows-Shell-Setup"><ComputerName>*</ComputerName></component>\n  </settings>\n</unattend>\n');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await ui.flash('Answer file win11-domain created.');
    await ui.see('Domain join'); // the script whose CopySysprep line names it
    await ui.record('14c-answer-files');
    await ui.rowAction('Actions for answer file win11-domain', 'Delete');
    await ui.dialog().getByTestId('confirm-button').click();
    await ui.see('post-imaging script "Domain join" (line 2: CopySysprep win11-domain)', ui.dialog());
    await ui.record('14d-answer-file-delete-refused');
    await ui.dialog().getByRole('button', { name: 'Cancel' }).click();
  });

  step('manages startup services: a custom iPXE item checked line by line, toggles, order, delete', async () => {
    await ui.nav('Startup services');
    await ui.page.getByRole('button', { name: 'Add custom item' }).click();
    const dialog = ui.dialog();
    await dialog.getByLabel('Label').fill('Memory test');
    await dialog.getByRole('textbox', { name: 'iPXE snippet' }).fill('#!ipxe\nchian http://10.0.0.1/memtest.efi\necho ok');
    await ui.see('Line 2: unknown iPXE command "chian"', dialog);
    await ui.record('15-boot-service-invalid');
    await dialog.getByRole('textbox', { name: 'iPXE snippet' }).fill('#!ipxe\nchain http://10.0.0.1/memtest.efi || goto failed\n:failed\necho Memory test unavailable');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await ui.flash('Custom item Memory test added.');
    await ui.page.getByRole('checkbox', { name: 'Hardware diagnostics enabled' }).click();
    await ui.flash('Hardware diagnostics enabled.');
    await ui.page.getByRole('button', { name: 'Move Memory test up' }).click();
    await expect.poll(async () => (await stack.api<{ items: { label: string; order: number }[] }>('GET', `/v1/boot-services?entityId=${ids.lyon}`)).items.find((s) => s.label === 'Memory test')!.order).toBe(50);
    await ui.rowAction('Actions for Memory test', 'Edit');
    await ui.dialog().getByLabel('Label').fill('Memory test (memtest86+)');
    await ui.dialog().getByRole('button', { name: 'Save' }).click();
    await ui.flash('Memory test (memtest86+) saved.');
    await ui.record('16-startup-services');
    await ui.rowAction('Actions for Memory test (memtest86+)', 'Delete');
    await ui.dialog().getByRole('button', { name: 'Delete' }).click();
    await ui.flash('Custom item Memory test (memtest86+) deleted.');
  });

  step('sets the default startup menu to the master, with a preview of the rendered menu', async () => {
    await ui.nav('Masters');
    await ui.rowAction(`Actions for master ${ids.masterLabel}`, 'Add to the default startup menu');
    await ui.flash(`Master ${ids.masterLabel} added to the default startup menu.`);
    await ui.nav('Default startup menu');
    await ui.choose(ui.page.getByRole('button', { name: /Default selection of the classic menu/ }), new RegExp(`Deploy master ${ids.masterLabel}`));
    await ui.page.getByLabel('Timeout of the classic menu, in seconds').fill('7');
    await ui.see(new RegExp(`Starts “Deploy master ${ids.masterLabel} - Windows 11 23H2 with Office” in 7 s`));
    await ui.page.getByRole('button', { name: 'Save' }).click();
    await ui.flash('Default startup menu of Lyon site saved.');
    await ui.record('17-default-startup-menu');
    const menu = await stack.api<{ classic: { defaultItemId: string; timeoutSeconds: number } }>('GET', `/v1/entities/${ids.lyon}/startup-menu`);
    expect(menu.classic).toEqual({ defaultItemId: ids.master, timeoutSeconds: 7 });
  });

  step('refuses to delete a master in use, saying where it is used', async () => {
    await ui.nav('Masters');
    await ui.rowAction(`Actions for master ${ids.masterLabel}`, 'Delete');
    const dialog = ui.dialog();
    await expect.poll(() => dialog.getByTestId('confirm-button').isDisabled()).toBe(true);
    await dialog.getByTestId('type-to-confirm').locator('input').fill(ids.masterLabel!);
    await dialog.getByTestId('confirm-button').click();
    await ui.see(`Master ${ids.masterLabel} cannot be deleted`, dialog);
    const refusal = await dialog.getByTestId('refusal').innerText();
    expect(refusal).toContain('is in the default startup menu');
    expect(refusal).toContain('default selection of the classic startup menu');
    await ui.record('18-master-delete-refused-menu');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  step('deploys the master with live per-machine progress, refuses the master delete naming the deployment, and cancels', async () => {
    await ui.nav('Deployments');
    await ui.see('No deployments');
    await ui.page.getByRole('button', { name: 'Create deployment' }).first().click();
    await ui.heading('Create deployment');
    await ui.see('so the site network carries the master once');
    await ui.page.getByTestId('create-deployment').click();
    await ui.see('Choose at least one machine.');
    await ui.choose(ui.page.getByRole('button', { name: /Master to deploy/ }), new RegExp(ids.masterLabel!));
    await ui.page.getByRole('checkbox', { name: 'Deploy to lab-042' }).click();
    await ui.page.getByRole('checkbox', { name: 'Deploy to lab-043' }).click();
    await ui.see('Domain join');
    await ui.page.getByLabel('Description - optional').fill('Room 12 refresh');
    await ui.page.getByRole('radio', { name: /Multicast/ }).check();
    await ui.record('19-create-deployment');
    await ui.page.getByTestId('create-deployment').click();
    await ui.flash('Deployment Room 12 refresh created for 2 machines.');
    await ui.heading('Deployments');
    const deployments = await stack.api<{ items: { id: string }[] }>('GET', `/v1/deployments?entityId=${ids.lyon}`);
    ids.deployment = deployments.items[0]!.id;
    expect(await stack.api<{ mode: string }>('GET', `/v1/deployments/${ids.deployment}`)).toMatchObject({ mode: 'multicast' });

    // The imaging server reports progress: one machine restoring, the other failing.
    const task = (machine: string, body: unknown) => stack.api('PATCH', `/v1/deployments/${ids.deployment}/tasks/${ids.machines[machine]}`, body);
    await task('lab-042', { state: 'waiting-for-boot' });
    await task('lab-042', { state: 'imaging', progress: { phase: 'restore', bytesDone: 8e9, bytesTotal: 21.4e9, rateBytesPerSecond: 112.4e6 } });
    await task('lab-043', {
      state: 'failed',
      error: { message: 'partclone exited with status 1', logTail: 'Partclone v0.3.20\nerror: write failed: No space left on device\n' },
    });
    const details = ui.page.getByRole('region', { name: 'Deployment details' }).or(ui.page.locator('[class*="awsui_split-panel"]')).first();
    await ui.see('Restoring partitions', details);
    await ui.see('112.4 MB/s', details);
    await ui.see('8.00 GB of 21.4 GB', details);
    await ui.see('1 min 59 s', details);
    await ui.see('partclone exited with status 1', details);
    await details.getByText('Log tail').click();
    await ui.see('No space left on device', details);
    await ui.record('20-deployment-progress');

    await task('lab-042', { state: 'imaging', progress: { phase: 'restore', bytesDone: 16e9, bytesTotal: 21.4e9, rateBytesPerSecond: 120e6 } });
    await ui.see('16.0 GB of 21.4 GB', details); // polled: no reload, no click

    await ui.nav('Masters');
    await ui.rowAction(`Actions for master ${ids.masterLabel}`, 'Delete');
    await ui.dialog().getByTestId('type-to-confirm').locator('input').fill(ids.masterLabel!);
    await ui.dialog().getByTestId('confirm-button').click();
    await ui.see(new RegExp(`unfinished deployment ${ids.deployment} \\(running, 2 machines\\)`), ui.dialog());
    await ui.record('21-master-delete-refused-deployment');
    await ui.dialog().getByRole('button', { name: 'Cancel' }).click();

    await ui.goto(`/deployments?entity=${ids.lyon}&deployment=${ids.deployment}`);
    await ui.page.getByTestId('cancel-deployment').click();
    await ui.dialog().getByTestId('confirm-button').click();
    await ui.flash('Deployment Room 12 refresh cancelled.');
    await ui.see('Cancelled');
    await ui.record('22-deployment-cancelled');
  });

  step('lists the fleet, for this tenant and for every tenant, filterable by status', async () => {
    await stack.api('POST', '/v1/tenants', { name: 'Beta Clinic' });
    await storeHealthReport(stack.host, stack.tenantId, ids.lyonServer!); // a fresh report: Available again
    await ui.nav('Fleet');
    await ui.see('lyon-edge-1');
    await ui.see('1 Available');
    await ui.page.getByText(/^All tenants/).click();
    await ui.page.getByRole('columnheader', { name: /^Tenant/ }).first().waitFor();
    await ui.choose(ui.page.getByRole('button', { name: /Filter by status/ }), /^Offline/);
    await ui.see('No matches');
    await ui.choose(ui.page.getByRole('button', { name: /Filter by status/ }), /^Available/);
    await ui.see('lyon-edge-1');
    await ui.record('23-fleet');
  });

  step('switches tenant from the top navigation', async () => {
    await ui.page.getByRole('button', { name: /Tenant: My organisation/ }).click();
    await ui.page.getByRole('menuitemcheckbox', { name: 'Beta Clinic' }).click();
    await ui.nav('Entities');
    await expect.poll(() => ui.page.getByText('Lyon site').count()).toBe(0);
    await ui.see('General');
    await ui.record('24-entities-other-tenant');
    await ui.page.getByRole('button', { name: /Tenant: Beta Clinic/ }).click();
    await ui.page.getByRole('menuitemcheckbox', { name: 'My organisation' }).click();
    await ui.see('Lyon site');
  });

  step('walks the remaining pages', async () => {
    await ui.nav('How imaging works');
    await ui.see('Run prepare-master.ps1');
    await ui.see('import_master');
    await ui.record('25-how-imaging-works');
    await ui.goto('/no-such-page');
    await ui.heading('Page not found');
    await ui.record('26-not-found');
    await ui.goto('/post-imaging-scripts/ps_00000000000000000000000000');
    await ui.see('The script could not be loaded'); // the error state, with the API's message and a retry
    await ui.page.getByRole('button', { name: 'Retry' }).waitFor();
    await ui.record('27-error-state');
    await ui.goto(`/deployments/new?entity=${ids.lyon}`);
    await ui.heading('Create deployment');
  });

  step('checks the archive storage (capture running, unreadable manifest, recent chunks kept), then reclaims what nothing uses', async () => {
    const reclaim = ui.page.getByTestId('reclaim-storage');
    const check = async () => {
      await ui.page.getByTestId('check-storage').click();
      await ui.page.getByText('Checking the archive').waitFor({ state: 'detached' });
    };
    await ui.nav('Archive storage');
    await ui.see('How archive space is freed');
    await ui.see('Not checked yet');
    expect(await reclaim.isDisabled()).toBe(true);
    await ui.record('25a-archive-storage');

    // While a backup image is being captured, nothing is collected.
    const capturing = await stack.api<{ id: string }>('POST', '/v1/backup-images', { machineId: ids.machines['lab-043'], state: 'capturing' });
    await check();
    await ui.see(`Backup image ${capturing.id} is being captured: run the collection again once it has ended.`, ui.page.getByTestId('collection-skipped'));
    expect(await reclaim.isDisabled()).toBe(true);
    await ui.record('25b-archive-storage-capture-running');
    await stack.api('DELETE', `/v1/backup-images/${capturing.id}`);

    // The manifest this test's backup image (and the master promoted from it) registered is no real manifest: a 409.
    await check();
    await ui.see('The archive could not be checked');
    await ui.see(/cannot be read: nothing was collected/);
    await ui.record('25c-archive-storage-manifest-unreadable');

    // Real manifests naming archived chunks, and an upload nothing names: kept while younger than 7 days.
    const masters = await stack.api<{ items: { id: string; versions: { manifestKey: string | null }[] }[] }>('GET', `/v1/masters?entityId=${ids.lyon}`);
    const masterManifest = masters.items.find((m) => m.id === ids.master)!.versions[0]!.manifestKey!;
    const inUse = [newChunk(), newChunk()];
    await storeImage(stack.host, stack.tenantId, ids.machines['lab-042']!, ['backups/e2e/manifest.json', masterManifest], inUse);
    const orphan = newChunk();
    await storeOrphan(stack.host, stack.tenantId, orphan, 50);
    await check();
    await ui.see('Nothing to reclaim');
    await ui.see('(2.05 kB kept for now)');
    expect(await reclaim.isDisabled()).toBe(true);
    await ui.record('25d-archive-storage-recent-kept');

    // A week later: the orphan chunk and its delta can go; one more upload is abandoned between the check and the reclaim.
    const lateOrphan = newChunk(3000);
    await later(stack.host, 8, async () => {
      await check();
      await ui.see('Archive check');
      expect(await ui.page.getByTestId('reclaimable-size').innerText()).toBe('2.05 kB');
      await ui.page.getByRole('button', { name: 'Reclaim 2.05 kB' }).waitFor();
      await ui.record('25e-archive-storage-check');
      await reclaim.click();
      await ui.see('Delete 1 unused chunk and 1 unused delta (2.05 kB) from the archive? This cannot be undone.', ui.dialog());
      await ui.record('25f-archive-storage-reclaim-confirmation');
      await storeOrphan(stack.host, stack.tenantId, lateOrphan);
      await ui.dialog().getByTestId('confirm-button').click();
      await ui.see('Deleted 2 chunks and 1 delta (5.05 kB) from the archive');
      await ui.see('This differs from the check, which found 1 chunk and 1 delta (2.05 kB)', ui.page.getByTestId('collection-deleted'));
      expect(await reclaim.isDisabled()).toBe(true);
      await ui.record('25g-archive-storage-reclaimed');
    });
    for (const key of [chunkPath(orphan.h), deltaPath(orphan.h), chunkPath(lateOrphan.h)]) expect(await isArchived(stack.host, stack.tenantId, key), key).toBe(false);
    for (const c of inUse) expect(await isArchived(stack.host, stack.tenantId, chunkPath(c.h))).toBe(true);
    expect(await isArchived(stack.host, stack.tenantId, deltaPath(inUse[1]!.h))).toBe(true);
  });

  step('shows a read-only user no edit actions', async () => {
    await stack.api('POST', '/v1/users', { username: 'viewer', password: 'correct horse battery', role: 'read-only' });
    const viewerContext = await newPortalContext(browser);
    const viewer = new PortalDriver(await viewerContext.newPage(), stack.baseUrl);
    await viewer.goto('/');
    await viewer.signIn('viewer', 'correct horse battery');
    await viewer.heading('Imaging server status');
    expect(await viewer.page.getByRole('button', { name: /Tenant:/ }).count()).toBe(0); // one tenant: nothing to switch
    await viewer.page.getByRole('button', { name: 'viewer' }).click();
    await viewer.see('Read-only · My organisation');
    await viewer.page.keyboard.press('Escape');
    for (const [page, editButtons] of [
      ['Masters', [/^Actions for master/]],
      ['Machines', ['Register machine', /^Actions for machine/]],
      ['Startup services', ['Add custom item', /^Move /, /^Actions for /]],
      ['Post-imaging scripts', ['Create script', /^Actions for script/]],
      ['Answer files', ['Create answer file', /^Actions for answer file/]],
      ['Deployments', ['Create deployment', 'Cancel deployment']],
      ['Entities', ['Create entity', /^Actions for entity/]],
    ] as const) {
      await viewer.nav(page);
      if (page !== 'Post-imaging scripts' && page !== 'Answer files' && page !== 'Entities') await viewer.chooseEntity(/^General \/ Lyon site/);
      await viewer.settle();
      for (const name of editButtons) expect(await viewer.page.getByRole('button', { name }).count(), `${page}: ${String(name)}`).toBe(0);
      if (page === 'Masters') await viewer.see(ids.masterLabel!);
      await viewer.record(`28-read-only-${page.toLowerCase().replace(/ /g, '-')}`);
    }
    await viewer.nav('Default startup menu');
    expect(await viewer.page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await viewer.nav('Archive storage');
    await viewer.see('Only administrators can reclaim archive storage');
    expect(await viewer.page.getByRole('button', { name: /^(Check|Reclaim)/ }).count()).toBe(0);
    await viewer.record('28-read-only-archive-storage');
    await viewerContext.close();
    Object.assign(ui.violations, viewer.violations);
  });

  step('signs out', async () => {
    await ui.page.getByRole('button', { name: /admin/ }).click();
    await ui.page.getByRole('menuitem', { name: 'Sign out' }).click();
    await ui.heading('Marrow');
    expect(await ui.page.getByLabel('Username').count()).toBe(1);
  });

  it('had no serious or critical axe-core violation on any page, and no script error', () => {
    expect(ui.violations).toEqual({});
    expect(ui.errors).toEqual([]);
  });
});
