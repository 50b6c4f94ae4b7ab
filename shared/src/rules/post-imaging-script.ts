/**
 * Post-imaging scripts are written line by line, as in the product they re-imagine:
 *
 *   MountSystem
 *   CopySysprep Windows11-Domain
 *   CopyRunAtOnce
 *   # anything else is a custom shell line, run as is by the imaging environment
 *   echo done > /mnt/system/marrow.txt
 *
 * A line whose first word looks like a command name (starts with a capital letter) must be
 * one of the library's commands with valid arguments, so that a typo ("CopySysprp") is
 * caught when the script is saved rather than on a machine in the middle of a deployment.
 */

export const postImagingCommands = {
  MountSystem: { args: 'none', help: 'Finds and mounts the Windows system partition and detects the mount points.' },
  CopySysprep: {
    args: 'required',
    help: 'Puts the registered hostname into the answer file NAME and writes it as Windows/Panther/unattend.xml.',
  },
  CopyRunAtOnce: {
    args: 'none',
    help: 'Writes SetupComplete.cmd, which deletes unattend.xml (it may hold domain-join credentials) at first boot.',
  },
  CopyAgent: { args: 'optional', help: 'Copies the agent installer (default agent, or AGENT) and has SetupComplete run it.' },
  CopyDrivers: { args: 'none', help: "Copies the entity's driver set and points Windows at it." },
  UseOEMBiosLicence: {
    args: 'none',
    help: 'Reads the product key from the ACPI MSDM table and puts it into the answer file.',
  },
} as const;

export type PostImagingCommandName = keyof typeof postImagingCommands;

export type PostImagingStep =
  | { kind: 'command'; command: PostImagingCommandName; argument: string | null; line: number }
  | { kind: 'shell'; text: string; line: number };

export interface ScriptProblem {
  line: number;
  message: string;
}

/** Answer-file and agent names: a file name, no path. */
const ARGUMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Names of answer files and agents, as CopySysprep NAME and CopyAgent NAME write them. */
export const postImagingNamePattern = ARGUMENT;
const MAX_LINES = 200;
const MAX_LINE_LENGTH = 1000;

export interface ParsedScript {
  steps: PostImagingStep[];
  problems: ScriptProblem[];
}

export function parsePostImagingScript(lines: readonly string[]): ParsedScript {
  const steps: PostImagingStep[] = [];
  const problems: ScriptProblem[] = [];
  if (lines.length > MAX_LINES) {
    return { steps, problems: [{ line: MAX_LINES + 1, message: `a script holds at most ${MAX_LINES} lines` }] };
  }
  lines.forEach((raw, index) => {
    const line = index + 1;
    const problem = (message: string) => problems.push({ line, message: `line ${line}: ${message}` });
    if (raw.length > MAX_LINE_LENGTH) return problem(`longer than ${MAX_LINE_LENGTH} characters`);
    if (/[\p{Cc}]/u.test(raw.replace(/\t/g, ''))) return problem('contains a control character');
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const [word = '', ...rest] = text.split(/\s+/);
    if (!/^[A-Z][A-Za-z]*$/.test(word)) {
      steps.push({ kind: 'shell', text, line });
      return;
    }
    if (!(word in postImagingCommands)) {
      const guess = closestCommand(word);
      return problem(`unknown command "${word}"${guess ? ` (did you mean ${guess}?)` : ''}`);
    }
    const command = word as PostImagingCommandName;
    const spec = postImagingCommands[command];
    if (rest.length > 1) return problem(`${command} takes at most one argument`);
    const argument = rest[0] ?? null;
    if (spec.args === 'none' && argument !== null) return problem(`${command} takes no argument`);
    if (spec.args === 'required' && argument === null) return problem(`${command} needs the name of an answer file`);
    if (argument !== null && !ARGUMENT.test(argument)) {
      return problem(`"${argument}" is not a valid name (letters, digits, dot, dash, underscore; at most 64)`);
    }
    steps.push({ kind: 'command', command, argument, line });
  });
  return { steps, problems };
}

function closestCommand(word: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(postImagingCommands)) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= 3 ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
