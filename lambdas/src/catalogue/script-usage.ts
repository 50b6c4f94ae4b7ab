import { parsePostImagingScript, type PostImagingCommandName } from '@marrow/shared';
import { listAll, type CatalogueStore } from '../ports/catalogue-store';

/**
 * Where the tenant's post-imaging scripts use a command with a given argument, e.g. every
 * `CopySysprep corp` line: "post-imaging script "Domain join" (line 2: CopySysprep corp)".
 * `argument` null matches the command without one (a bare `CopyAgent` copies "default").
 */
export async function scriptLinesUsing(
  store: CatalogueStore,
  tenantId: string,
  command: PostImagingCommandName,
  matches: (argument: string | null) => boolean,
): Promise<string[]> {
  const uses: string[] = [];
  for (const script of await listAll(store, tenantId, 'postImagingScript')) {
    const lines = parsePostImagingScript(script.lines)
      .steps.filter((s) => s.kind === 'command' && s.command === command && matches(s.argument))
      .map((s) => `line ${s.line}: ${script.lines[s.line - 1]!.trim()}`);
    if (lines.length) uses.push(`post-imaging script "${script.name}" (${lines.join(', ')})`);
  }
  return uses;
}
