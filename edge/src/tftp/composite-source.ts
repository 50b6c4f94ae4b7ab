import { TftpFileNotFoundError } from './errors';
import type { TftpFile, TftpFileSource, TftpRequestContext } from './file-source';

/**
 * Asks each source in order and serves the first file found. "Not found" moves on to the
 * next source; any other refusal (an access violation, a read error) ends the search, so a
 * name one source judged hostile is never retried elsewhere.
 */
class CompositeSource implements TftpFileSource {
  constructor(private readonly sources: readonly TftpFileSource[]) {}

  async open(name: string, context: TftpRequestContext): Promise<TftpFile> {
    let notFound: unknown = new TftpFileNotFoundError(name);
    for (const source of this.sources) {
      try {
        return await source.open(name, context);
      } catch (error) {
        if (!(error instanceof TftpFileNotFoundError)) throw error;
        notFound = error;
      }
    }
    throw notFound;
  }
}

export function createCompositeSource(sources: readonly TftpFileSource[]): TftpFileSource {
  return new CompositeSource([...sources]);
}
