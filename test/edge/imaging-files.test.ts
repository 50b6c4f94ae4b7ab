import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../../edge/src/daemon';
import { sh } from '../../edge/imaging-env/client/sh-harness';
import type { LocalHost } from '../../lambdas/src/local/local-host';
import { bootSession } from '../support/edge-boot';
import { promoteEmptyBackup, startTestSite, type AdminCall, type TestSite } from '../support/local-stack';
import { mountedSystem } from '../support/post-imaging-client';

/**
 * Post-imaging files through the edge, as the imaging client fetches them after a deploy:
 * the answer file of `CopySysprep corp` once per boot, the agent and the driver set streamed
 * from the archive byte for byte — and nothing the boot's script does not name.
 */
let site: TestSite;
let dir: string;
let host: LocalHost;
let edge: RunningEdge;
let admin: AdminCall;
const MAC = '52:54:00:67:00:01';
const agent = randomBytes(300 * 1024);
let drivers: Buffer;

const UNATTEND = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>*</ComputerName>
    </component>
    <component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <Identification><Credentials><Domain>corp</Domain><Password>s3cret&amp;more</Password><Username>joiner</Username></Credentials><JoinDomain>corp.example</JoinDomain></Identification>
    </component>
  </settings>
</unattend>
`;

const bootToken = async (mac: string) => (await bootSession(edge.httpUrl, mac)).token;

const get = (token: string, path: string) => fetch(`${edge.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function upload(method: string, path: string, fields: Record<string, string>, bytes: Buffer): Promise<void> {
  const started = await admin(method, path, { ...fields, sizeBytes: bytes.length, sha256: sha256(bytes) });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  expect((await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes) })).status).toBe(200);
  expect((await admin('post', `/v1/uploads/${started.body.id}/complete`)).status).toBe(200);
}

beforeAll(async () => {
  site = await startTestSite('marrow-imaging-files-');
  ({ dir, host, admin, edge } = site);
  const general = (await admin('get', '/v1/entities')).body.items[0].id;
  const machine = (await admin('post', '/v1/machines', { entityId: general, mac: MAC, hostname: 'CORP-PC-01' })).body;

  // A master to deploy (an empty image is enough: the test is about what comes after it).
  const master = await promoteEmptyBackup(site, machine.id, 'fixture', { description: 'Windows 11' });

  // What the script fetches: answer file "corp" (and "unused", which no script names), agent "default", General's driver set.
  expect((await admin('post', '/v1/answer-files', { name: 'corp', content: UNATTEND })).status).toBe(201);
  expect((await admin('post', '/v1/answer-files', { name: 'unused', content: UNATTEND })).status).toBe(201);
  await upload('post', '/v1/agents', { name: 'default', fileName: 'MarrowAgent.msi' }, agent);
  const tree = join(dir, 'drivers');
  await mkdir(join(tree, 'net'), { recursive: true });
  await writeFile(join(tree, 'net', 'e1000.inf'), '[Version]\r\nSignature="$WINDOWS NT$"\r\n');
  execFileSync('tar', ['-czf', join(dir, 'drivers.tar.gz'), '-C', tree, 'net']);
  drivers = await readFile(join(dir, 'drivers.tar.gz'));
  await upload('put', `/v1/entities/${general}/driver-set`, { fileName: 'drivers.tar.gz' }, drivers);

  // No MountSystem: the "system partition" of this test is a directory (see the client test below).
  const script = (await admin('post', '/v1/post-imaging-scripts', { name: 'Corp', lines: ['CopySysprep corp', 'CopyRunAtOnce', 'CopyAgent', 'CopyAgent absent', 'CopyDrivers'] })).body;
  const deployment = await admin('post', '/v1/deployments', { masterId: master.id, machineIds: [machine.id], postImagingScriptIds: [script.id] });
  expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
  await edge.sync.syncNow();
});

afterAll(() => site?.close());

describe('post-imaging files served by the edge', () => {
  it('gives an armed deploy boot its answer file once; a second fetch with the same token is 410 Gone', async () => {
    const token = await bootToken(MAC);
    expect(await (await get(token, '/imaging/session')).json()).toMatchObject({ modes: ['deploy'], hostname: 'CORP-PC-01' });
    const head = await fetch(`${edge.httpUrl}/imaging/answer-files/corp`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
    expect(head.status).toBe(405); // and it did not spend the fetch:
    const first = await get(token, '/imaging/answer-files/corp');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('application/xml');
    expect(await first.text()).toBe(UNATTEND);
    const second = await get(token, '/imaging/answer-files/corp');
    expect(second.status).toBe(410);
    expect((await second.json()).error.message).toBe(
      'answer file "corp" was already given to this boot (it may hold domain-join credentials, so it is served once); PXE-boot the machine again to start over',
    );
    // Another boot of the armed machine is another session.
    expect((await get(await bootToken(MAC), '/imaging/answer-files/corp')).status).toBe(200);
  });

  it('refuses what the boot was not offered, what its script does not name, and unknown names', async () => {
    const token = await bootToken(MAC);
    const unused = await get(token, '/imaging/answer-files/unused');
    expect(unused.status).toBe(403);
    expect((await unused.json()).error.message).toBe('this boot\'s post-imaging script has no "CopySysprep unused" line');
    expect((await get(token, '/imaging/agents/tools')).status).toBe(403);
    const absent = await get(token, '/imaging/agents/absent');
    expect(absent.status).toBe(404);
    expect((await absent.json()).error.message).toBe('no agent named "absent" in this tenant');
    // A register-only boot (unknown machine) and no session at all.
    const stranger = await bootToken('52:54:00:67:00:99');
    const refused = await get(stranger, '/imaging/answer-files/corp');
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toBe('this boot was not offered "deploy"');
    expect((await get('nope', '/imaging/drivers')).status).toBe(401);
    // The refusals did not spend the answer file of this boot.
    expect((await get(token, '/imaging/answer-files/corp')).status).toBe(200);
  });

  it('streams the agent and the driver set from the archive byte for byte, with the installer name', async () => {
    const token = await bootToken(MAC);
    const answer = await get(token, '/imaging/agents/default');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="MarrowAgent.msi"');
    expect(answer.headers.get('content-length')).toBe(String(agent.length));
    expect(Buffer.from(await answer.arrayBuffer()).equals(agent)).toBe(true);
    const set = await get(token, '/imaging/drivers');
    expect(set.status).toBe(200);
    expect(set.headers.get('content-disposition')).toBe('attachment; filename="drivers.tar.gz"');
    expect(Buffer.from(await set.arrayBuffer()).equals(drivers)).toBe(true);
  });

  it('runs the real post-imaging client (CopySysprep, CopyRunAtOnce, CopyAgent, CopyDrivers) against it', async () => {
    const token = await bootToken(MAC);
    const { system, state, log } = await mountedSystem(join(dir, 'client'));
    const env = { MARROW_SERVER: edge.httpUrl, MARROW_TOKEN: token, MARROW_STATE: state, MARROW_LOG: log };
    // The script's "CopyAgent absent" line fails (no such agent): run the lines before it, then CopyDrivers.
    const result = await sh(
      'for c in "CopySysprep.sh corp" CopyRunAtOnce.sh CopyAgent.sh CopyDrivers.sh; do . "$MARROW_STATE/post.env"; sh "$MARROW_HOME/post-imaging/"$c || exit 1; done',
      env,
    );
    const logText = await readFile(log, 'utf8').catch(() => '');
    expect(result.code, `${result.stderr}\n${logText}`).toBe(0);
    const unattend = await readFile(join(system, 'Windows', 'Panther', 'unattend.xml'), 'utf8');
    expect(unattend).toContain('<ComputerName>CORP-PC-01</ComputerName>');
    expect(unattend).toContain('<JoinDomain>corp.example</JoinDomain>');
    expect(unattend).toContain('<Path>C:\\Windows\\INF\\marrow-drivers</Path>');
    expect((await readFile(join(system, 'Windows', 'Temp', 'marrow-agent', 'MarrowAgent.msi'))).equals(agent)).toBe(true);
    expect(await readFile(join(system, 'Windows', 'INF', 'marrow-drivers', 'net', 'e1000.inf'), 'utf8')).toContain('Signature');
    const setup = await readFile(join(system, 'Windows', 'Setup', 'Scripts', 'SetupComplete.cmd'), 'utf8');
    expect(setup).toContain('del /f /q "%WINDIR%\\Panther\\unattend.xml"');
    expect(setup).toContain('msiexec /i "%WINDIR%\\Temp\\marrow-agent\\MarrowAgent.msi" /qn /norestart');

    // The same boot cannot fetch the answer file a second time.
    const again = await sh('. "$MARROW_STATE/post.env"; sh "$MARROW_HOME/post-imaging/CopySysprep.sh" corp', env);
    expect(again.code).not.toBe(0);
    expect(await readFile(join(state, 'error'), 'utf8')).toBe('cannot fetch answer file corp');
    expect(again.stderr).toMatch(/error: 410/); // curl's; post-imaging.sh appends it to the session log
  });

  it('cuts a file short when the archive holds other bytes than the catalogue says', async () => {
    const [record] = (await admin('get', '/v1/agents')).body.items;
    const tampered = Buffer.from(agent);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    await host.deps.archive.put(record.tenantId, record.objectKey, tampered);
    const answer = await get(await bootToken(MAC), '/imaging/agents/default');
    expect(answer.status).toBe(200); // the headers left before the end of the file was checked…
    const received = await answer.arrayBuffer().then((b) => b.byteLength).catch((error: Error) => error);
    expect(received === agent.length, 'a tampered file must not arrive whole').toBe(false); // …its last piece never does
  });
});
