import { bufferFile } from './buffer-file';
import { TftpFileNotFoundError } from './errors';
import type { TftpFile, TftpFileSource, TftpRequestContext } from './file-source';
import { canonicalRequestedPath } from './requested-path';

/**
 * Produces a file's content when it is asked for (e.g. a per-client iPXE script). Returning
 * `null` means "not for this client": the client gets ERROR 1, like for a missing file.
 */
export type TftpContentGenerator = (context: TftpRequestContext, name: string) => Promise<Buffer | null>;

class GeneratedSource implements TftpFileSource {
  constructor(private readonly generators: ReadonlyMap<string, TftpContentGenerator>) {}

  async open(name: string, context: TftpRequestContext): Promise<TftpFile> {
    const generate = this.generators.get(canonicalRequestedPath(name));
    const content = generate ? await generate(context, name) : null;
    if (content === null) throw new TftpFileNotFoundError(name);
    return bufferFile(content);
  }
}

/** Names are given in canonical form ("boot/menu.ipxe"); requests are matched after `canonicalRequestedPath`. */
export function createGeneratedSource(generators: Readonly<Record<string, TftpContentGenerator>>): TftpFileSource {
  return new GeneratedSource(new Map(Object.entries(generators).map(([name, fn]) => [canonicalRequestedPath(name), fn])));
}
