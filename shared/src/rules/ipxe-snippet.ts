/**
 * Validation of the custom iPXE snippets administrators add as boot services. The snippet is
 * pasted into the rendered boot script under its own label, so we refuse what iPXE would
 * reject at boot time on a machine nobody is watching: unknown commands, control characters,
 * a shebang in the middle of a script, absurd sizes.
 */

/** Commands of iPXE's scripting language (ipxe.org/cmd). */
const IPXE_COMMANDS = new Set([
  'autoboot', 'boot', 'chain', 'clear', 'colour', 'console', 'cpair', 'dhcp', 'echo', 'exit',
  'goto', 'ifclose', 'ifconf', 'ifopen', 'ifstat', 'imgargs', 'imgexec', 'imgfetch', 'imgfree',
  'imgload', 'imgselect', 'imgstat', 'imgtrust', 'imgverify', 'initrd', 'inc', 'isset', 'iseq',
  'item', 'kernel', 'login', 'menu', 'module', 'nslookup', 'ntp', 'param', 'params', 'ping',
  'poweroff', 'prompt', 'read', 'reboot', 'route', 'sanboot', 'sanhook', 'sanunhook', 'set',
  'show', 'sleep', 'sync', 'time', 'vlancreate', 'vlandestroy', 'choose', 'cpuid', 'certstat',
  'certstore', 'certfree', 'imgdecrypt', 'imgextract', 'shell', 'help', 'fcstat', 'fcels',
  'ibstat', 'lotest', 'pciscan', 'profstat', 'nstat', 'ipstat', 'dhcpoptions', 'show',
]);

export const MAX_SNIPPET_BYTES = 8192;
const MAX_LINE_LENGTH = 1024;

export interface SnippetProblem {
  line: number;
  message: string;
}

/** Returns every problem found, each naming its 1-based line; empty when the snippet is fine. */
export function validateIpxeSnippet(snippet: string): SnippetProblem[] {
  const problems: SnippetProblem[] = [];
  if (snippet.trim() === '') return [{ line: 1, message: 'the snippet is empty' }];
  if (new TextEncoder().encode(snippet).length > MAX_SNIPPET_BYTES) {
    return [{ line: 1, message: `the snippet is larger than ${MAX_SNIPPET_BYTES} bytes` }];
  }
  snippet.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (raw.length > MAX_LINE_LENGTH) {
      problems.push({ line, message: `line is longer than ${MAX_LINE_LENGTH} characters` });
      return;
    }
    if (/[\p{Cc}]/u.test(raw.replace(/\t/g, ''))) {
      problems.push({ line, message: 'contains a control character' });
      return;
    }
    if (text === '' || text.startsWith('#!ipxe')) {
      if (text.startsWith('#!ipxe') && line !== 1) problems.push({ line, message: '#!ipxe may only open the snippet' });
      return;
    }
    if (text.startsWith('#')) return;
    if (text.startsWith(':')) {
      if (!/^:[A-Za-z0-9_.-]+$/.test(text)) problems.push({ line, message: `invalid label "${text}"` });
      return;
    }
    // A line is one or more commands joined by && or || (ipxe.org/scripting).
    for (const part of text.split(/&&|\|\|/)) {
      const command = part.trim().split(/\s+/)[0] ?? '';
      if (command === '') {
        problems.push({ line, message: 'empty command around && or ||' });
      } else if (!IPXE_COMMANDS.has(command)) {
        problems.push({ line, message: `unknown iPXE command "${command}"` });
      }
    }
  });
  return problems;
}
