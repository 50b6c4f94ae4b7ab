import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanedAfterEach, msdmTable, sh, withLibs } from './sh-harness';

const { temp, listen } = cleanedAfterEach();

const ANSWER = `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>*</ComputerName>
      <TimeZone>W. Europe Standard Time</TimeZone>
    </component>
  </settings>
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <OOBE><HideEULAPage>true</HideEULAPage></OOBE>
    </component>
  </settings>
</unattend>
`;

async function edit(xml: string, script: string, env: Record<string, string> = {}): Promise<{ xml: string; code: number; stderr: string }> {
  const dir = await temp();
  const file = join(dir, 'unattend.xml');
  await writeFile(file, xml);
  const result = await sh(withLibs(script, 'answer-file'), { F: file, ...env });
  return { xml: await readFile(file, 'utf8'), code: result.code, stderr: result.stderr };
}
/** The text of <specialize>'s settings. */
const specialize = (xml: string) => /<settings pass="specialize">([\s\S]*?)<\/settings>/.exec(xml)?.[1] ?? '';

describe('answer-file editing', () => {
  it('replaces ComputerName, escaping the value', async () => {
    const { xml, code } = await edit(ANSWER, 'answer_set_computer_name "$F" "$H"', { H: 'PC-0042&' });
    expect(code).toBe(0);
    expect(xml).toContain('<ComputerName>PC-0042&amp;</ComputerName>');
    expect(xml).not.toContain('<ComputerName>*</ComputerName>');
    expect(xml.replace('<ComputerName>PC-0042&amp;</ComputerName>', '<ComputerName>*</ComputerName>')).toBe(ANSWER);
  });

  it('fills an empty <ComputerName/> and adds one where there is none', async () => {
    const empty = await edit(ANSWER.replace('<ComputerName>*</ComputerName>', '<ComputerName />'), 'answer_set_computer_name "$F" PC1');
    expect(empty.xml).toContain('<ComputerName>PC1</ComputerName>');
    const none = await edit(ANSWER.replace('<ComputerName>*</ComputerName>', ''), 'answer_set_computer_name "$F" PC2');
    expect(specialize(none.xml)).toMatch(/name="Microsoft-Windows-Shell-Setup"[^>]*><ComputerName>PC2<\/ComputerName>/);
    expect(none.xml.match(/<ComputerName>/g)).toHaveLength(1);
  });

  it('adds the specialize pass and the Shell-Setup component when missing', async () => {
    const bare = '<?xml version="1.0"?>\r\n<unattend xmlns="urn:schemas-microsoft-com:unattend">\r\n</unattend>\r\n';
    const { xml, code } = await edit(bare, 'answer_set_product_key "$F" AAAAA-BBBBB-CCCCC-DDDDD-EEEEE');
    expect(code).toBe(0);
    expect(xml).toMatch(
      /<settings pass="specialize"><component name="Microsoft-Windows-Shell-Setup" [^>]*><ProductKey>AAAAA-BBBBB-CCCCC-DDDDD-EEEEE<\/ProductKey><\/component><\/settings>\n<\/unattend>/,
    );
    expect(xml.startsWith('<?xml version="1.0"?>\r\n')).toBe(true);
  });

  it('sets ProductKey in Shell-Setup, leaving the windowsPE <ProductKey><Key> form alone', async () => {
    const withPe = ANSWER.replace(
      '<settings pass="specialize">',
      '<settings pass="windowsPE"><component name="Microsoft-Windows-Setup"><UserData><ProductKey><Key>WINPE-KEY00-00000-00000-00000</Key></ProductKey></UserData></component></settings>\n  <settings pass="specialize">',
    );
    const { xml } = await edit(withPe, 'answer_set_product_key "$F" AAAAA-BBBBB-CCCCC-DDDDD-EEEEE');
    expect(xml).toContain('<Key>WINPE-KEY00-00000-00000-00000</Key>');
    expect(specialize(xml)).toContain('<ProductKey>AAAAA-BBBBB-CCCCC-DDDDD-EEEEE</ProductKey>');
    const again = await edit(xml, 'answer_set_product_key "$F" 11111-22222-33333-44444-55555');
    expect(again.xml.match(/<ProductKey>[A-Z0-9-]+<\/ProductKey>/g)).toEqual(['<ProductKey>11111-22222-33333-44444-55555</ProductKey>']);
  });

  it('adds a DriverPaths entry (PnpCustomizationsNonWinPE), once, keeping backslashes', async () => {
    const { xml, code } = await edit(ANSWER, 'answer_add_driver_path "$F" "$P"; answer_add_driver_path "$F" "$P"', {
      P: 'C:\\Windows\\INF\\marrow-drivers',
    });
    expect(code).toBe(0);
    expect(specialize(xml)).toContain(
      '<component name="Microsoft-Windows-PnpCustomizationsNonWinPE" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><DriverPaths><PathAndCredentials wcm:action="add" wcm:keyValue="marrow"><Path>C:\\Windows\\INF\\marrow-drivers</Path></PathAndCredentials></DriverPaths></component>',
    );
    expect(xml.match(/<Path>/g)).toHaveLength(1);
    // An existing DriverPaths list gets one more entry.
    const existing = ANSWER.replace(
      '<settings pass="specialize">',
      '<settings pass="specialize"><component name="Microsoft-Windows-PnpCustomizationsNonWinPE"><DriverPaths><PathAndCredentials wcm:action="add" wcm:keyValue="1"><Path>D:\\x</Path></PathAndCredentials></DriverPaths></component>',
    );
    const more = await edit(existing, 'answer_add_driver_path "$F" "$P"', { P: 'C:\\Drivers' });
    expect(more.xml).toContain('<Path>D:\\x</Path></PathAndCredentials><PathAndCredentials wcm:action="add" wcm:keyValue="marrow"><Path>C:\\Drivers</Path></PathAndCredentials></DriverPaths>');
  });

  it('refuses a file that is not an answer file', async () => {
    const { code, xml } = await edit('hello\n', 'answer_set_computer_name "$F" PC');
    expect(code).not.toBe(0);
    expect(xml).toBe('hello\n');
  });
});

describe('msdm_key', () => {
  it('reads the 29-character key at offset 56 of a valid table', async () => {
    const dir = await temp();
    await writeFile(join(dir, 'MSDM'), msdmTable('ABCDE-12345-FGHIJ-67890-KLMNO'));
    const result = await sh(withLibs('msdm_key "$D/MSDM"', 'answer-file'), { D: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ABCDE-12345-FGHIJ-67890-KLMNO\n');
  });

  it('refuses a bad checksum, a wrong signature, a short table and a missing one', async () => {
    const dir = await temp();
    await writeFile(join(dir, 'bad'), msdmTable('ABCDE-12345-FGHIJ-67890-KLMNO', { breakChecksum: true }));
    const wrongSig = msdmTable('ABCDE-12345-FGHIJ-67890-KLMNO');
    wrongSig.write('SLIC', 0, 'ascii');
    await writeFile(join(dir, 'sig'), wrongSig);
    await writeFile(join(dir, 'short'), msdmTable('ABCDE-12345-FGHIJ-67890-KLMNO').subarray(0, 60));
    const run = (name: string) => sh(withLibs(`msdm_key "$D/${name}"`, 'answer-file'), { D: dir });
    expect((await run('bad')).stderr).toContain('checksum');
    expect((await run('sig')).stderr).toContain('not an MSDM table');
    expect((await run('short')).stderr).toContain('too short');
    const missing = await run('none');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no MSDM table');
  });
});

describe('SetupComplete.cmd', () => {
  it('deletes the answer files first, runs the agents, with CRLF line ends', async () => {
    const result = await sh(withLibs('setupcomplete_content agent.msi tools.exe', 'answer-file'));
    const lines = result.stdout.split('\r\n');
    expect(result.stdout.endsWith('\r\n')).toBe(true);
    expect(lines).toEqual([
      '@echo off',
      'rem Written by Marrow (CopyRunAtOnce / CopyAgent).',
      'rem The answer file may hold domain-join credentials: remove it first.',
      'del /f /q "%WINDIR%\\Panther\\unattend.xml" >nul 2>&1',
      'del /f /q "%WINDIR%\\Panther\\Unattend\\unattend.xml" >nul 2>&1',
      'del /f /q "%WINDIR%\\System32\\Sysprep\\unattend.xml" >nul 2>&1',
      'msiexec /i "%WINDIR%\\Temp\\marrow-agent\\agent.msi" /qn /norestart',
      'start "" /wait "%WINDIR%\\Temp\\marrow-agent\\tools.exe"',
      'rmdir /s /q "%WINDIR%\\Temp\\marrow-agent" >nul 2>&1',
      'exit /b 0',
      '',
    ]);
    const none = await sh(withLibs('setupcomplete_content', 'answer-file'));
    expect(none.stdout).not.toContain('marrow-agent');
    expect(none.stdout).toContain('Panther\\unattend.xml');
  });
});

describe('post-imaging.sh against a fake edge (no root: the system partition is a directory)', () => {
  it('runs CopySysprep, CopyRunAtOnce, CopyAgent, UseOEMBiosLicence and a custom line', async () => {
    const dir = await temp();
    const system = join(dir, 'system');
    const state = join(dir, 'state');
    await mkdir(join(system, 'Windows', 'System32'), { recursive: true });
    await mkdir(state, { recursive: true });
    await writeFile(join(state, 'post.env'), `MARROW_SYSTEM='${system}'; export MARROW_SYSTEM\n`);
    await writeFile(join(dir, 'MSDM'), msdmTable('ABCDE-12345-FGHIJ-67890-KLMNO'));
    const seen: string[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      if (req.url === '/imaging/session') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            mode: 'deploy',
            hostname: 'LAB-PC-07',
            postImagingScript: ['# comment', 'CopySysprep Win11', 'CopyRunAtOnce', 'CopyAgent', 'UseOEMBiosLicence', 'echo "$MARROW_SYSTEM" > marrow.txt'],
          }),
        );
      } else if (req.url === '/imaging/answer-files/Win11') {
        res.end(ANSWER);
      } else if (req.url === '/imaging/agents/default') {
        res.setHeader('content-disposition', 'attachment; filename="MarrowAgent.msi"');
        res.end('MSI');
      } else if (req.url === '/imaging/progress') {
        req.resume();
        res.end('{}');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    const url = await listen(server);
    const result = await sh('sh "$MARROW_HOME/post-imaging.sh"', {
      MARROW_SERVER: url,
      MARROW_TOKEN: 'tok-1',
      MARROW_STATE: state,
      MARROW_LOG: join(dir, 'log'),
      MARROW_MSDM: join(dir, 'MSDM'),
    });
    const log = await readFile(join(dir, 'log'), 'utf8').catch(() => '');
    expect(result.code, `${result.stderr}\n${log}`).toBe(0);
    const unattend = await readFile(join(system, 'Windows', 'Panther', 'unattend.xml'), 'utf8');
    expect(unattend).toContain('<ComputerName>LAB-PC-07</ComputerName>');
    expect(specialize(unattend)).toContain('<ProductKey>ABCDE-12345-FGHIJ-67890-KLMNO</ProductKey>');
    const setup = await readFile(join(system, 'Windows', 'Setup', 'Scripts', 'SetupComplete.cmd'), 'utf8');
    expect(setup).toContain('del /f /q "%WINDIR%\\Panther\\unattend.xml"');
    expect(setup).toContain('msiexec /i "%WINDIR%\\Temp\\marrow-agent\\MarrowAgent.msi" /qn /norestart');
    expect(await readFile(join(system, 'Windows', 'Temp', 'marrow-agent', 'MarrowAgent.msi'), 'utf8')).toBe('MSI');
    expect((await readFile(join(system, 'marrow.txt'), 'utf8')).trim()).toBe(system);
    expect(seen.filter((line) => !line.startsWith('POST /imaging/progress'))).toEqual([
      'GET /imaging/session Bearer tok-1',
      'GET /imaging/answer-files/Win11 Bearer tok-1',
      'GET /imaging/agents/default Bearer tok-1',
    ]);
    expect(seen.filter((line) => line.startsWith('POST /imaging/progress')).length).toBe(5);
  });
});
