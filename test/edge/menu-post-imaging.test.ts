import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../../edge/src/daemon';
import { sh } from '../../edge/imaging-env/client/sh-harness';
import { bootSession } from '../support/edge-boot';
import { promoteEmptyBackup, startTestSite, type AdminCall, type TestSite } from '../support/local-stack';
import { mountedSystem } from '../support/post-imaging-client';

/**
 * A deploy chosen from a machine's PXE boot menu (no deployment armed for it) runs the
 * chosen master's own post-imaging scripts: the session the menu boot minted gives them for
 * ?master=ID, and the edge serves the files they name — the answer file once — while a
 * deployment's armed boot keeps its deployment's lines.
 */
let site: TestSite;
let dir: string;
let edge: RunningEdge;
let admin: AdminCall;
const MENU_MAC = '52:54:00:68:00:01';
const ARMED_MAC = '52:54:00:68:00:02';
let corpMaster: string;
let otherMaster: string;

const UNATTEND = (domain: string) => `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>*</ComputerName>
    </component>
    <component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <Identification><JoinDomain>${domain}</JoinDomain></Identification>
    </component>
  </settings>
</unattend>
`;

const boot = (mac: string) => bootSession(edge.httpUrl, mac);

const get = (token: string, path: string) => fetch(`${edge.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
const sessionOf = async (token: string, query = '') => (await get(token, `/imaging/session${query}`)).json();

beforeAll(async () => {
  site = await startTestSite('marrow-menu-post-imaging-');
  ({ dir, admin, edge } = site);
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  const menuMachine = (await admin('post', '/v1/machines', { entityId: general, mac: MENU_MAC, hostname: 'MENU-PC-01' })).body;
  const armedMachine = (await admin('post', '/v1/machines', { entityId: general, mac: ARMED_MAC, hostname: 'ARMED-PC-01' })).body;

  // Two masters in the default startup menu, each with a script of its own (empty images: the test is about what comes after).
  const masterWith = async (n: number, lines: string[]) => {
    const master = await promoteEmptyBackup(site, menuMachine.id, `fixture-${n}`, { description: `Master ${n}`, inDefaultStartupMenu: true });
    const script = (await admin('post', '/v1/post-imaging-scripts', { name: `Script ${n}`, lines })).body;
    const patched = await admin('PATCH', `/v1/masters/${master.id}`, { postImagingScriptIds: [script.id] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    return master.id as string;
  };
  corpMaster = await masterWith(1, ['MountSystem', 'CopySysprep corp']);
  otherMaster = await masterWith(2, ['MountSystem', 'CopySysprep other']);
  for (const name of ['corp', 'other', 'armed']) {
    expect((await admin('post', '/v1/answer-files', { name, content: UNATTEND(`${name}.example`) })).status).toBe(201);
  }

  // The other machine is armed by a deployment of the first master, with a script of the deployment's own.
  const script = (await admin('post', '/v1/post-imaging-scripts', { name: 'Deployment', lines: ['CopySysprep armed'] })).body;
  const deployment = await admin('post', '/v1/deployments', { masterId: corpMaster, machineIds: [armedMachine.id], postImagingScriptIds: [script.id] });
  expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
  await edge.sync.syncNow();
});

afterAll(() => site?.close());

describe('post-imaging scripts of a deploy chosen from the boot menu', () => {
  it("gives the menu boot's session the chosen master's lines for ?master=ID", async () => {
    const { script, token } = await boot(MENU_MAC);
    expect(script).toContain('\nmenu Marrow - General - MENU-PC-01');
    expect(script).toContain(`marrow.master=${corpMaster}`);
    expect(script).toContain(`marrow.master=${otherMaster}`);
    expect(await sessionOf(token, `?master=${corpMaster}`)).toMatchObject({
      modes: expect.arrayContaining(['deploy']),
      deploymentId: null,
      masterIds: [corpMaster, otherMaster].sort(),
      postImagingScript: ['MountSystem', 'CopySysprep corp'],
    });
    expect((await sessionOf(token, `?master=${otherMaster}`)).postImagingScript).toEqual(['MountSystem', 'CopySysprep other']);
    // No master named: nothing to run (a register or backup from the same menu).
    expect((await sessionOf(token)).postImagingScript).toEqual([]);
    const stranger = await get(token, '/imaging/session?master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P');
    expect(stranger.status).toBe(403);
    expect((await stranger.json()).error.message).toBe('this boot was not offered that master');
  });

  it("serves the chosen master's answer file once, and not another master's", async () => {
    const { token } = await boot(MENU_MAC);
    // Another master's file, for this master: refused (and nothing is spent).
    const foreign = await get(token, `/imaging/answer-files/other?master=${corpMaster}`);
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.message).toBe('this boot\'s post-imaging script has no "CopySysprep other" line');
    expect((await get(token, `/imaging/answer-files/armed?master=${corpMaster}`)).status).toBe(403);
    expect((await get(token, '/imaging/answer-files/corp?master=ms_01J9ZQ4T6W2R8X5Y7V3N1K0M9P')).status).toBe(403);

    const first = await get(token, `/imaging/answer-files/corp?master=${corpMaster}`);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(UNATTEND('corp.example'));
    expect((await get(token, `/imaging/answer-files/corp?master=${corpMaster}`)).status).toBe(410);
    expect((await get(token, '/imaging/answer-files/corp')).status).toBe(410); // once per boot, whichever master is named
    // Without ?master=, what any master of the menu names (the other master's file, here).
    expect((await get(token, '/imaging/answer-files/other')).status).toBe(200);
    expect((await get(token, '/imaging/answer-files/armed')).status).toBe(403);
  });

  it("keeps an armed deployment's own lines, whatever ?master= says", async () => {
    const { script, token } = await boot(ARMED_MAC);
    expect(script).toContain('marrow.deployment=');
    const session = await sessionOf(token, `?master=${otherMaster}`);
    expect(session).toMatchObject({ modes: ['deploy'], masterIds: [corpMaster], postImagingScript: ['CopySysprep armed'] });
    expect((await sessionOf(token)).postImagingScript).toEqual(['CopySysprep armed']);
    expect((await get(token, `/imaging/answer-files/corp?master=${corpMaster}`)).status).toBe(403);
    expect((await get(token, `/imaging/answer-files/armed?master=${otherMaster}`)).status).toBe(200);
  });

  it('runs the real client: session_json and CopySysprep name the master of marrow.master', async () => {
    const { token } = await boot(MENU_MAC);
    const { system, state, log } = await mountedSystem(join(dir, 'client'));
    const result = await sh(
      `. "$MARROW_HOME/lib/common.sh"
       marrow_parse_cmdline "$CMDLINE" || exit 3
       session_json | jq -c .postImagingScript || exit 4
       . "$MARROW_STATE/post.env"; sh "$MARROW_HOME/post-imaging/CopySysprep.sh" corp || exit 5`,
      {
        CMDLINE: `marrow.mode=deploy marrow.server=${edge.httpUrl} marrow.mac=${MENU_MAC} marrow.master=${otherMaster} marrow.token=${token}`,
        MARROW_STATE: state,
        MARROW_LOG: log,
      },
    );
    // The other master's script has no "CopySysprep corp": the session says so, and the edge refuses it.
    expect(result.stdout.trim()).toBe('["MountSystem","CopySysprep other"]');
    expect(result.code).toBe(5);
    expect(await readFile(join(state, 'error'), 'utf8')).toBe('cannot fetch answer file corp');
    const other = await sh('. "$MARROW_STATE/post.env"; sh "$MARROW_HOME/post-imaging/CopySysprep.sh" other', {
      MARROW_SERVER: edge.httpUrl,
      MARROW_TOKEN: token,
      MARROW_MASTER: otherMaster,
      MARROW_STATE: state,
      MARROW_LOG: log,
    });
    expect(other.code, `${other.stderr}\n${await readFile(log, 'utf8').catch(() => '')}`).toBe(0);
    const unattend = await readFile(join(system, 'Windows', 'Panther', 'unattend.xml'), 'utf8');
    expect(unattend).toContain('<ComputerName>MENU-PC-01</ComputerName>');
    expect(unattend).toContain('<JoinDomain>other.example</JoinDomain>');
  });

  it('stops serving a master’s answer file once the master leaves the menu (the control plane checks too)', async () => {
    const { token } = await boot(MENU_MAC); // minted while the master is still offered
    expect((await admin('PATCH', `/v1/masters/${otherMaster}`, { inDefaultStartupMenu: false })).status).toBe(200);
    // The edge has not synced yet, so its session still allows the file: the control plane refuses it.
    const refused = await get(token, `/imaging/answer-files/other?master=${otherMaster}`);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain('nor by a master its boot menus offer');
    await edge.sync.syncNow();
    const after = await boot(MENU_MAC);
    expect(after.script).not.toContain(`marrow.master=${otherMaster}`);
    expect((await get(after.token, `/imaging/session?master=${otherMaster}`)).status).toBe(403);
  });
});
