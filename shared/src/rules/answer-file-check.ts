/**
 * A cheap structural check of a Windows answer file (unattend.xml) before it is stored, so
 * that a paste error is refused in the portal rather than found by Windows setup on a
 * machine in the middle of a deployment. Not a validating XML parser: it checks that the
 * document is well formed (tags nest and close, attributes are quoted and not repeated,
 * `&` starts a reference, one root element, no text outside it), that the root is
 * `<unattend>` (see the Windows Unattended Setup reference: "unattend" is the root element
 * of every answer file) and that it is UTF-8, the encoding Marrow stores and serves.
 * A DOCTYPE is refused: answer files have none, and entity declarations have no place here.
 */

export interface AnswerFileProblem {
  /** 1-based line of the problem (0 when it concerns the whole file). */
  line: number;
  message: string;
}

/** Tag and attribute names (XML 1.0 Name, restricted to ASCII, which answer files use). */
const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const OPEN_TAG = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`, 'y');
const CLOSE_TAG = new RegExp(`</(${NAME})\\s*>`, 'y');
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const REFERENCE = /&(?:[A-Za-z_][A-Za-z0-9_.-]*|#[0-9]+|#x[0-9A-Fa-f]+);/y;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** The first problem of the document, or undefined when it looks like a usable answer file. */
export function answerFileProblem(xml: string): AnswerFileProblem | undefined {
  const text = xml.startsWith('\uFEFF') ? xml.slice(1) : xml;
  const lineAt = (index: number) => {
    let line = 1;
    for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  };
  const problem = (index: number, message: string): AnswerFileProblem => ({ line: lineAt(index), message: `line ${lineAt(index)}: ${message}` });

  if (text.trim() === '') return { line: 0, message: 'the answer file is empty' };
  const control = CONTROL.exec(text);
  if (control) return problem(control.index, 'contains a control character (answer files are text)');

  const open: { name: string; at: number }[] = [];
  let root: string | undefined;
  let rootClosed = false;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? text.length : lt;
    const textProblem = checkText(text, i, textEnd, open.length > 0);
    if (textProblem) return problem(textProblem.at, textProblem.message);
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end === -1) return problem(i, 'a processing instruction "<?" is never closed with "?>"');
      const instruction = text.slice(i + 2, end);
      if (/^xml\s/i.test(instruction) || instruction.toLowerCase() === 'xml') {
        if (i !== 0) return problem(i, 'the XML declaration <?xml …?> must come first');
        const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(instruction)?.[1];
        if (encoding && !/^utf-?8$/i.test(encoding)) {
          return problem(i, `the XML declaration says encoding="${encoding}": answer files are stored and served as UTF-8; declare encoding="utf-8"`);
        }
      }
      i = end + 2;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end === -1) return problem(i, 'a comment "<!--" is never closed with "-->"');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (open.length === 0) return problem(i, 'CDATA outside the root element');
      const end = text.indexOf(']]>', i + 9);
      if (end === -1) return problem(i, 'a CDATA section is never closed with "]]>"');
      i = end + 3;
    } else if (/^<!doctype/i.test(text.slice(i, i + 9))) {
      return problem(i, 'a DOCTYPE is not allowed in an answer file');
    } else if (text.startsWith('</', i)) {
      CLOSE_TAG.lastIndex = i;
      const close = CLOSE_TAG.exec(text);
      if (!close) return problem(i, 'a closing tag is malformed (expected </name>)');
      const top = open.pop();
      if (!top) return problem(i, `</${close[1]}> has no opening tag`);
      if (top.name !== close[1]) return problem(i, `</${close[1]}> closes <${top.name}> (opened on line ${lineAt(top.at)})`);
      if (open.length === 0) rootClosed = true;
      i = CLOSE_TAG.lastIndex;
    } else {
      OPEN_TAG.lastIndex = i;
      const tag = OPEN_TAG.exec(text);
      if (!tag) return problem(i, `a tag is malformed near "${text.slice(i, i + 30).split('\n')[0]}" (names, quoted attribute values, and "<" written as &lt; in text)`);
      const [, name, attributes = '', selfClosing] = tag as unknown as [string, string, string, string];
      if (open.length === 0) {
        if (rootClosed || root !== undefined) return problem(i, `<${name}> is a second root element: everything must be inside <${root}>`);
        root = name;
        if (localName(name) !== 'unattend') return problem(i, `the root element must be <unattend> (found <${name}>): this is not a Windows answer file`);
      }
      const attributeProblem = checkAttributes(attributes);
      if (attributeProblem) return problem(i, `<${name}>: ${attributeProblem}`);
      if (selfClosing) {
        if (open.length === 0) rootClosed = true;
      } else {
        open.push({ name, at: i });
      }
      i = OPEN_TAG.lastIndex;
    }
  }
  const unclosed = open.pop();
  if (unclosed) return problem(unclosed.at, `<${unclosed.name}> is never closed`);
  if (root === undefined) return { line: 0, message: 'no <unattend> element: this is not a Windows answer file' };
  return undefined;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** Text between markup: only whitespace outside the root; `&` must start a reference. */
function checkText(text: string, from: number, to: number, insideRoot: boolean): { at: number; message: string } | undefined {
  const segment = text.slice(from, to);
  if (!insideRoot) {
    const stray = /\S/.exec(segment);
    return stray ? { at: from + stray.index, message: 'text outside the root element' } : undefined;
  }
  for (let at = segment.indexOf('&'); at !== -1; at = segment.indexOf('&', at + 1)) {
    REFERENCE.lastIndex = at;
    if (!REFERENCE.test(segment)) return { at: from + at, message: 'a bare "&" (write &amp;)' };
  }
  const gt = segment.indexOf(']]>');
  if (gt !== -1) return { at: from + gt, message: '"]]>" in text (write ]]&gt;)' };
  return undefined;
}

function checkAttributes(attributes: string): string | undefined {
  const seen = new Set<string>();
  for (const match of attributes.matchAll(ATTRIBUTE)) {
    const name = match[1]!;
    if (seen.has(name)) return `attribute ${name} appears twice`;
    seen.add(name);
    const value = match[2] ?? match[3] ?? '';
    for (let at = value.indexOf('&'); at !== -1; at = value.indexOf('&', at + 1)) {
      REFERENCE.lastIndex = at;
      if (!REFERENCE.test(value)) return `a bare "&" in attribute ${name} (write &amp;)`;
    }
  }
  return undefined;
}
