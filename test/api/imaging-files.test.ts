import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness';
import { buildWorld, SAMPLE_UNATTEND, type CatalogueWorld } from '../support/catalogue-world';

/**
 * Answer files, agents and driver sets: kept per tenant, edited and uploaded by people,
 * fetched by imaging servers for the post-imaging scripts of the deployments they run.
 */
let harness: ApiHarness;
let world: CatalogueWorld;
let worldB: CatalogueWorld;
const asAdmin = () => ({ token: harness.tenantA.adminToken });
const asEdge = () => ({ token: world.edgeCredential });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  harness = await startApiHarness();
  world = await buildWorld(harness, harness.tenantA);
  worldB = await buildWorld(harness, harness.tenantB);
});
afterAll(() => harness?.close());

describe('answer files', () => {
  it('are created, listed without their content, read, edited and unique by name', async () => {
    const created = await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'corp', description: 'corp domain', content: SAMPLE_UNATTEND } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'corp', tenantId: world.tenantId, sizeBytes: Buffer.byteLength(SAMPLE_UNATTEND) });
    expect(created.body.id).toMatch(/^af_/);
    const twin = await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'corp', content: SAMPLE_UNATTEND } });
    expect(twin.status).toBe(409);
    expect(twin.body.error.message).toBe('an answer file named "corp" exists already; edit it or choose another name');

    const list = await harness.call('get', '/v1/answer-files', asAdmin());
    const listed = list.body.items.find((f: { id: string }) => f.id === created.body.id);
    expect(listed).toMatchObject({ name: 'corp', description: 'corp domain' });
    expect(listed.content).toBeUndefined();
    expect((await harness.call('get', `/v1/answer-files/${created.body.id}`, asAdmin())).body.content).toBe(SAMPLE_UNATTEND);

    const edited = SAMPLE_UNATTEND.replace('<ComputerName>*</ComputerName>', '<ComputerName>*</ComputerName><RegisteredOwner>Corp &amp; Co</RegisteredOwner>');
    const patched = await harness.call('patch', `/v1/answer-files/${created.body.id}`, { ...asAdmin(), body: { content: edited } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ content: edited, sizeBytes: Buffer.byteLength(edited), version: 2 });
    const renamed = await harness.call('patch', `/v1/answer-files/${created.body.id}`, { ...asAdmin(), body: { name: 'other' } });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.message).toContain('unknown field(s) "name"');
  });

  it('refuses what is not a well-formed UTF-8 <unattend> document, saying where', async () => {
    const cases: [string, string][] = [
      ['', 'body.content: the answer file is empty'],
      ['<unattend><settings></unattend>', 'body.content: line 1: </unattend> closes <settings> (opened on line 1)'],
      ['<?xml version="1.0"?>\n<Unattend/>', 'body.content: line 2: the root element must be <unattend> (found <Unattend>)'],
      ['<?xml version="1.0" encoding="utf-16"?><unattend/>', 'encoding="utf-16"'],
      ['<!DOCTYPE unattend [<!ENTITY x "y">]><unattend/>', 'line 1: a DOCTYPE is not allowed in an answer file'],
      ['<unattend>\n  <Password>a & b</Password>\n</unattend>', 'line 2: a bare "&" (write &amp;)'],
      ['<unattend a="1" a="2"/>', 'attribute a appears twice'],
      ['<unattend/><unattend/>', 'is a second root element'],
      ['<unattend>\n<settings pass=specialize>\n</settings></unattend>', 'line 2: a tag is malformed'],
      ['<unattend>', 'line 1: <unattend> is never closed'],
      ['hello', 'line 1: text outside the root element'],
      [`<unattend>${'x'.repeat(128 * 1024)}</unattend>`, 'body.content: must be at most 128 KiB'],
    ];
    for (const [content, message] of cases) {
      const answer = await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'bad', content } });
      expect(answer.status, content.slice(0, 60)).toBe(400);
      expect(answer.body.error.message, content.slice(0, 60)).toContain(message);
    }
    const name = await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: '../etc/passwd', content: SAMPLE_UNATTEND } });
    expect(name.body.error.message).toContain('body.name: must be 1 to 64 letters');
  });

  it('cannot be deleted while a script names it in CopySysprep, and says where', async () => {
    const used = await harness.call('delete', `/v1/answer-files/${world.answerFileId}`, asAdmin());
    expect(used.status).toBe(409);
    expect(used.body.error.message).toBe('answer file "win11-domain" is still in use: post-imaging script "Domain join" (line 2: CopySysprep win11-domain)');
    const file = await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'short-lived', content: SAMPLE_UNATTEND } });
    expect((await harness.call('delete', `/v1/answer-files/${file.body.id}`, asAdmin())).status).toBe(204);
    expect((await harness.call('get', `/v1/answer-files/${file.body.id}`, asAdmin())).status).toBe(404);
    // The name is free again.
    expect((await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'short-lived', content: SAMPLE_UNATTEND } })).status).toBe(201);
  });

  it('are given to an imaging server only for the deployments it runs, in its own tenant', async () => {
    const got = await harness.call('get', '/v1/edge/answer-files/win11-domain', asEdge());
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ name: 'win11-domain', content: SAMPLE_UNATTEND });
    const unused = await harness.call('get', '/v1/edge/answer-files/corp', asEdge());
    expect(unused.status).toBe(403);
    expect(unused.body.error.message).toBe('answer file "corp" is not used by any unfinished deployment of this imaging server, nor by a master its boot menus offer');
    const unknown = await harness.call('get', '/v1/edge/answer-files/nope', asEdge());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('no answer file named "nope" in this tenant');
    // Tenant B's imaging server cannot read tenant A's "corp", and a user token is no edge credential.
    expect((await harness.call('get', '/v1/edge/answer-files/corp', { token: worldB.edgeCredential })).status).toBe(404);
    expect((await harness.call('get', '/v1/edge/answer-files/win11-domain', asAdmin())).status).toBe(401);
  });
});

describe('answer files of masters offered in the boot menu', () => {
  it("are given to an imaging server for a master's own post-imaging scripts while its boot menus offer that master", async () => {
    expect((await harness.call('post', '/v1/answer-files', { ...asAdmin(), body: { name: 'menu-only', content: SAMPLE_UNATTEND } })).status).toBe(201);
    const script = await harness.call('post', '/v1/post-imaging-scripts', { ...asAdmin(), body: { name: 'Menu join', lines: ['MountSystem', 'CopySysprep menu-only'] } });
    const fetchIt = () => harness.call('get', '/v1/edge/answer-files/menu-only', asEdge());
    const patchMaster = (body: object) => harness.call('patch', `/v1/masters/${world.masterId}`, { ...asAdmin(), body });
    const refused = 'answer file "menu-only" is not used by any unfinished deployment of this imaging server, nor by a master its boot menus offer';
    expect((await fetchIt()).body.error.message).toBe(refused);
    // The master's own script names it, but the master is not in the default startup menu.
    expect((await patchMaster({ postImagingScriptIds: [script.body.id] })).status).toBe(200);
    expect((await fetchIt()).status).toBe(403);
    expect((await patchMaster({ inDefaultStartupMenu: true })).status).toBe(200);
    const given = await fetchIt();
    expect(given.status).toBe(200);
    expect(given.body).toEqual({ name: 'menu-only', content: SAMPLE_UNATTEND });
    // Not when the entity's menu has no "deploy a master" item, nor in another tenant.
    const services = (await harness.call('get', `/v1/boot-services?entityId=${world.entityId}`, asAdmin())).body.items;
    const deployMaster = services.find((s: { kind: string }) => s.kind === 'deploy-master');
    expect((await harness.call('patch', `/v1/boot-services/${deployMaster.id}`, { ...asAdmin(), body: { enabled: false } })).status).toBe(200);
    expect((await fetchIt()).status).toBe(403);
    expect((await harness.call('patch', `/v1/boot-services/${deployMaster.id}`, { ...asAdmin(), body: { enabled: true } })).status).toBe(200);
    expect((await fetchIt()).status).toBe(200);
    expect((await harness.call('get', '/v1/edge/answer-files/menu-only', { token: worldB.edgeCredential })).status).toBe(404);
    // Out of the menu again: refused again.
    expect((await patchMaster({ inDefaultStartupMenu: false, postImagingScriptIds: [] })).status).toBe(200);
    expect((await fetchIt()).status).toBe(403);
  });
});

describe('agents', () => {
  const bytes = Buffer.from('MZ... pretend this is an installer '.repeat(1000));

  it('exist only once their upload is completed with the announced size and SHA-256', async () => {
    const started = await harness.call('post', '/v1/agents', {
      ...asAdmin(),
      body: { name: 'fleet', fileName: 'FleetAgent-2.1.exe', sizeBytes: bytes.length, sha256: sha256(bytes).toUpperCase() },
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ target: 'agent', name: 'fleet', sha256: sha256(bytes), tenantId: world.tenantId });
    const complete = () => harness.call('post', `/v1/uploads/${started.body.id}/complete`, asAdmin());
    const early = await complete();
    expect(early.status).toBe(409);
    expect(early.body.error.message).toContain('nothing was uploaded yet for FleetAgent-2.1.exe');

    // Wrong bytes (same length): refused and discarded; the URL takes the right ones afterwards.
    const wrong = Buffer.from(bytes);
    wrong[0] = 0;
    expect((await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(wrong) })).status).toBe(200);
    const mismatch = await complete();
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error.message).toContain(`the uploaded file's SHA-256 is ${sha256(wrong)}, not the ${sha256(bytes)} announced`);
    expect(await harness.deps.archive.head(world.tenantId, started.body.objectKey)).toBeUndefined();
    const short = await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes.subarray(1)) });
    expect(short.status).toBe(200);
    expect((await complete()).body.error.message).toContain(`the uploaded file has ${bytes.length - 1} bytes, not the ${bytes.length} announced`);

    // Not completed: not listed, not served.
    expect((await harness.call('get', '/v1/agents', asAdmin())).body.items.map((a: { name: string }) => a.name)).not.toContain('fleet');
    expect((await harness.call('get', '/v1/edge/agents/fleet', asEdge())).status).toBe(404);

    await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes) });
    const done = await complete();
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ name: 'fleet', fileName: 'FleetAgent-2.1.exe', sizeBytes: bytes.length, sha256: sha256(bytes) });
    expect(done.body.id).toMatch(/^ag_/);
    expect((await complete()).status).toBe(404);
    expect((await harness.call('get', '/v1/agents', asAdmin())).body.items.map((a: { name: string }) => a.name)).toContain('fleet');

    const download = await harness.call('get', '/v1/edge/agents/fleet', asEdge());
    expect(download.status).toBe(200);
    expect(download.body).toMatchObject({ name: 'fleet', fileName: 'FleetAgent-2.1.exe', sizeBytes: bytes.length, sha256: sha256(bytes) });
    const fetched = Buffer.from(await (await fetch(download.body.url)).arrayBuffer());
    expect(fetched.equals(bytes)).toBe(true);
    expect((await harness.call('get', '/v1/edge/agents/fleet', { token: worldB.edgeCredential })).status).toBe(404);
  });

  it('are replaced by a new upload of the same name, the old bytes deleted', async () => {
    const before = (await harness.call('get', `/v1/agents/${world.agentId}`, asAdmin())).body;
    const next = Buffer.from('MSI installer bytes, version 2');
    const started = await harness.call('post', '/v1/agents', {
      ...asAdmin(),
      body: { name: 'default', fileName: 'MarrowAgent-2.msi', sizeBytes: next.length, sha256: sha256(next) },
    });
    await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(next) });
    const done = await harness.call('post', `/v1/uploads/${started.body.id}/complete`, asAdmin());
    expect(done.body).toMatchObject({ id: world.agentId, name: 'default', fileName: 'MarrowAgent-2.msi', version: before.version + 1 });
    expect(await harness.deps.archive.head(world.tenantId, before.objectKey)).toBeUndefined();
    expect((await harness.deps.archive.get(world.tenantId, done.body.objectKey))?.length).toBe(next.length);
  });

  it('cannot be deleted while a script copies it (a bare CopyAgent copies "default")', async () => {
    const script = await harness.call('post', '/v1/post-imaging-scripts', { ...asAdmin(), body: { name: 'Agent only', lines: ['MountSystem', 'CopyAgent'] } });
    const used = await harness.call('delete', `/v1/agents/${world.agentId}`, asAdmin());
    expect(used.status).toBe(409);
    expect(used.body.error.message).toBe('agent "default" is still in use: post-imaging script "Agent only" (line 2: CopyAgent)');
    await harness.call('delete', `/v1/post-imaging-scripts/${script.body.id}`, asAdmin());
    const agent = (await harness.call('get', `/v1/agents/${world.agentId}`, asAdmin())).body;
    expect((await harness.call('delete', `/v1/agents/${world.agentId}`, asAdmin())).status).toBe(204);
    expect(await harness.deps.archive.head(world.tenantId, agent.objectKey)).toBeUndefined();
    expect((await harness.call('get', '/v1/edge/agents/default', asEdge())).status).toBe(404);
  });
});

describe('driver sets', () => {
  async function upload(entityId: string, fileName: string, bytes: Buffer) {
    const started = await harness.call('put', `/v1/entities/${entityId}/driver-set`, { ...asAdmin(), body: { fileName, sizeBytes: bytes.length, sha256: sha256(bytes) } });
    expect(started.status).toBe(201);
    await fetch(started.body.uploadUrl, { method: 'PUT', body: new Uint8Array(bytes) });
    return harness.call('post', `/v1/uploads/${started.body.id}/complete`, asAdmin());
  }

  it('must be a zip or a tar archive', async () => {
    const refused = await upload(world.childEntityId, 'drivers.zip', Buffer.from('just some text, not an archive'));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('drivers.zip is neither a zip nor a tar archive');
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257, 'latin1');
    expect((await upload(world.childEntityId, 'drivers.tar', tar)).status).toBe(200);
    expect((await harness.call('delete', `/v1/entities/${world.childEntityId}/driver-set`, asAdmin())).status).toBe(204);
  });

  it("apply to the entity and the entities below it, and reach only the imaging server of the machine's entity", async () => {
    // The branch office has none of its own: it inherits General's.
    const inherited = await harness.call('get', `/v1/entities/${world.childEntityId}/driver-set`, asAdmin());
    expect(inherited.body).toMatchObject({ entityId: world.entityId, inherited: true, fileName: 'drivers.zip' });
    const branchMachine = await harness.call('post', '/v1/machines', { ...asAdmin(), body: { entityId: world.childEntityId, mac: '52:54:00:aa:00:01', hostname: 'branch-1' } });
    const viaEdge = await harness.call('get', `/v1/edge/machines/${branchMachine.body.id}/driver-set`, asEdge());
    expect(viaEdge.status).toBe(200);
    expect(viaEdge.body).toMatchObject({ fileName: 'drivers.zip', name: 'Branch office' });
    expect(Buffer.from(await (await fetch(viaEdge.body.url)).arrayBuffer()).toString('latin1')).toBe('PK\x03\x04 a zip of drivers');

    // An entity with its own imaging server is not edge-1's to serve.
    const site = await harness.call('post', '/v1/entities', { ...asAdmin(), body: { name: 'Other site', parentId: world.entityId } });
    await harness.call('post', '/v1/imaging-servers', { ...asAdmin(), body: { entityId: site.body.id, name: 'edge-2' } });
    const elsewhere = await harness.call('post', '/v1/machines', { ...asAdmin(), body: { entityId: site.body.id, mac: '52:54:00:aa:00:02', hostname: 'other-1' } });
    const refused = await harness.call('get', `/v1/edge/machines/${elsewhere.body.id}/driver-set`, asEdge());
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`machine ${elsewhere.body.id} is not served by this imaging server`);
    expect((await harness.call('get', `/v1/edge/machines/${world.machineId}/driver-set`, { token: worldB.edgeCredential })).status).toBe(404);
  });

  it('cannot be deleted while an unfinished deployment runs CopyDrivers with it', async () => {
    const script = await harness.call('post', '/v1/post-imaging-scripts', { ...asAdmin(), body: { name: 'Drivers', lines: ['MountSystem', 'CopyDrivers'] } });
    const deployment = await harness.call('post', '/v1/deployments', {
      ...asAdmin(),
      body: { masterId: world.masterId, machineIds: [world.secondMachineId], postImagingScriptIds: [script.body.id] },
    });
    expect(deployment.status).toBe(201);
    const used = await harness.call('delete', `/v1/entities/${world.entityId}/driver-set`, asAdmin());
    expect(used.status).toBe(409);
    expect(used.body.error.message).toContain(`the driver set of entity "General" is still in use: unfinished deployment ${deployment.body.id}`);
    await harness.call('post', `/v1/deployments/${deployment.body.id}/cancel`, asAdmin());
    const set = (await harness.call('get', `/v1/entities/${world.entityId}/driver-set`, asAdmin())).body;
    expect((await harness.call('delete', `/v1/entities/${world.entityId}/driver-set`, asAdmin())).status).toBe(204);
    expect(await harness.deps.archive.head(world.tenantId, set.objectKey)).toBeUndefined();
    const none = await harness.call('get', `/v1/entities/${world.childEntityId}/driver-set`, asAdmin());
    expect(none.status).toBe(404);
    expect(none.body.error.message).toContain('no driver set for entity "Branch office" nor its parents');
  });
});
