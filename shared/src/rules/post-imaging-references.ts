import { parsePostImagingScript } from './post-imaging-script';

/** The agent `CopyAgent` copies when the line names none. */
export const DEFAULT_AGENT_NAME = 'default';

/** What a post-imaging script fetches from the imaging server while it runs. */
export interface PostImagingReferences {
  /** Answer files named by CopySysprep lines. */
  answerFiles: string[];
  /** Agents named by CopyAgent lines ("default" for a bare CopyAgent). */
  agents: string[];
  /** Whether a CopyDrivers line fetches the entity's driver set. */
  drivers: boolean;
}

/**
 * The answer files, agents and driver set a script's lines refer to (lines that do not parse
 * refer to nothing). The imaging server serves a boot only what its script names, and the
 * control plane refuses to delete what a script still names.
 */
export function postImagingReferences(lines: readonly string[]): PostImagingReferences {
  const answerFiles = new Set<string>();
  const agents = new Set<string>();
  let drivers = false;
  // A deployment runs several scripts one after the other: parse them in slices, so their
  // sum is never refused for its length (each script was checked when it was saved).
  const steps = [];
  for (let at = 0; at < lines.length; at += 200) steps.push(...parsePostImagingScript(lines.slice(at, at + 200)).steps);
  for (const step of steps) {
    if (step.kind !== 'command') continue;
    if (step.command === 'CopySysprep' && step.argument) answerFiles.add(step.argument);
    if (step.command === 'CopyAgent') agents.add(step.argument ?? DEFAULT_AGENT_NAME);
    if (step.command === 'CopyDrivers') drivers = true;
  }
  return { answerFiles: [...answerFiles], agents: [...agents], drivers };
}
