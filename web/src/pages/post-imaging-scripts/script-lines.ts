import { parsePostImagingScript, postImagingCommands, type PostImagingCommandName } from '@marrow/shared';

/**
 * The editor's model of a post-imaging script: one block per line, either a library command
 * (with its argument) or a custom shell line. Problems come from the same parser the API
 * uses, so what the editor accepts the API accepts.
 */
export type ScriptBlock =
  | { key: string; kind: 'command'; command: PostImagingCommandName; argument: string }
  | { key: string; kind: 'custom'; text: string };

export const commandNames = Object.keys(postImagingCommands) as PostImagingCommandName[];

let counter = 0;
export const newKey = () => `line-${++counter}`;

export function isCommandName(word: string): word is PostImagingCommandName {
  return Object.hasOwn(postImagingCommands, word);
}

export function blocksFromLines(lines: readonly string[]): ScriptBlock[] {
  return lines.map((raw) => {
    const [word = '', ...rest] = raw.trim().split(/\s+/);
    if (isCommandName(word)) return { key: newKey(), kind: 'command', command: word, argument: rest.join(' ') };
    return { key: newKey(), kind: 'custom', text: raw };
  });
}

export function linesFromBlocks(blocks: readonly ScriptBlock[]): string[] {
  return blocks.map((b) => (b.kind === 'custom' ? b.text : b.argument.trim() ? `${b.command} ${b.argument.trim()}` : b.command));
}

/** Problems by block index (0-based), without the "line N:" prefix the list shows anyway. */
export function problemsByBlock(blocks: readonly ScriptBlock[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const problem of parsePostImagingScript(linesFromBlocks(blocks)).problems) {
    if (!out.has(problem.line - 1)) out.set(problem.line - 1, problem.message.replace(/^line \d+:\s*/, ''));
  }
  return out;
}

export function helpOf(block: ScriptBlock): string {
  return block.kind === 'command' ? postImagingCommands[block.command].help : 'A shell command run as is by the imaging environment (# starts a comment).';
}

export function argumentOf(command: PostImagingCommandName): 'none' | 'optional' | 'required' {
  return postImagingCommands[command].args;
}

/** The example given in the user guide: what a new script starts with. */
export function starterBlocks(): ScriptBlock[] {
  return blocksFromLines(['MountSystem', 'CopySysprep ', 'CopyRunAtOnce']);
}
