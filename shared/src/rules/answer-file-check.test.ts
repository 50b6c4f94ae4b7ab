import { describe, expect, it } from 'vitest';
import { answerFileProblem } from './answer-file-check';

const ANSWER = `\uFEFF<?xml version="1.0" encoding="utf-8"?>
<!-- Windows 11, joined to corp.example -->
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <ComputerName>*</ComputerName>
      <RegisteredOrganization>Smith &amp; Sons &#169;</RegisteredOrganization>
    </component>
    <component name="Microsoft-Windows-UnattendedJoin" processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">
      <Identification>
        <Credentials><Domain>corp</Domain><Password><![CDATA[p<a>ss&word]]></Password><Username>joiner</Username></Credentials>
        <JoinDomain>corp.example</JoinDomain>
      </Identification>
    </component>
  </settings>
  <settings pass='oobeSystem'>
    <component name="Microsoft-Windows-Shell-Setup"><OOBE><HideEULAPage>true</HideEULAPage></OOBE><UserAccounts><LocalAccounts><LocalAccount wcm:action="add"><Name>admin</Name></LocalAccount></LocalAccounts></UserAccounts></component>
  </settings>
</unattend>
`;

describe('answerFileProblem', () => {
  it('accepts a real answer file: BOM, declaration, comments, CDATA, references, prefixed attributes, CRLF', () => {
    expect(answerFileProblem(ANSWER)).toBeUndefined();
    expect(answerFileProblem(ANSWER.replace(/\n/g, '\r\n'))).toBeUndefined();
    expect(answerFileProblem('<unattend/>')).toBeUndefined();
    expect(answerFileProblem('<u:unattend xmlns:u="urn:schemas-microsoft-com:unattend"></u:unattend>')).toBeUndefined();
  });

  it.each([
    ['', 'the answer file is empty'],
    ['<!-- only a comment -->', 'no <unattend> element: this is not a Windows answer file'],
    ['<html><body/></html>', 'line 1: the root element must be <unattend> (found <html>): this is not a Windows answer file'],
    ['<unattend>\n  <settings>\n</unattend>', 'line 3: </unattend> closes <settings> (opened on line 2)'],
    ['<unattend/>\n</unattend>', 'line 2: </unattend> has no opening tag'],
    ['<unattend>\n<a>\n', 'line 2: <a> is never closed'],
    ['<unattend><a b=c/></unattend>', 'line 1: a tag is malformed near "<a b=c/></unattend>" (names, quoted attribute values, and "<" written as &lt; in text)'],
    ['<unattend>1 < 2</unattend>', 'line 1: a tag is malformed near "< 2</unattend>" (names, quoted attribute values, and "<" written as &lt; in text)'],
    ['<unattend>AT&T</unattend>', 'line 1: a bare "&" (write &amp;)'],
    ['<unattend a="x&y"/>', 'line 1: <unattend>: a bare "&" in attribute a (write &amp;)'],
    ['<unattend a="1" a="2"/>', 'line 1: <unattend>: attribute a appears twice'],
    ['<unattend/>\n<unattend/>', 'line 2: <unattend> is a second root element: everything must be inside <unattend>'],
    ['<unattend/>trailing', 'line 1: text outside the root element'],
    ['<unattend>a ]]> b</unattend>', 'line 1: "]]>" in text (write ]]&gt;)'],
    ['\n<?xml version="1.0"?><unattend/>', 'line 2: the XML declaration <?xml …?> must come first'],
    ['<?xml version="1.0" encoding="UTF-16"?><unattend/>', 'line 1: the XML declaration says encoding="UTF-16": answer files are stored and served as UTF-8; declare encoding="utf-8"'],
    ['<!DOCTYPE unattend SYSTEM "http://x/evil.dtd"><unattend/>', 'line 1: a DOCTYPE is not allowed in an answer file'],
    ['<unattend><!-- open</unattend>', 'line 1: a comment "<!--" is never closed with "-->"'],
    ['<unattend><![CDATA[x</unattend>', 'line 1: a CDATA section is never closed with "]]>"'],
    ['<![CDATA[x]]><unattend/>', 'line 1: CDATA outside the root element'],
    ['<?pi never closed <unattend/>', 'line 1: a processing instruction "<?" is never closed with "?>"'],
    ['<unattend>\u0001</unattend>', 'line 1: contains a control character (answer files are text)'],
  ])('refuses %j', (xml, message) => {
    expect(answerFileProblem(xml)?.message).toBe(message);
  });

  it('never throws on mangled input (every prefix and random byte edits of a real file)', () => {
    for (let end = 0; end <= ANSWER.length; end += 7) expect(() => answerFileProblem(ANSWER.slice(0, end))).not.toThrow();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = '<>/&;"\'=!?[]-x \n';
    for (let round = 0; round < 2000; round++) {
      const chars = [...ANSWER];
      for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)]!;
      const result = answerFileProblem(chars.join(''));
      if (result) expect(result.message).toMatch(/^(line \d+: |the answer file|no <unattend>)/);
    }
  });
});
