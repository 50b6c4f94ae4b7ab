import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { catalogueSnapshotSchema, type CatalogueSnapshot } from '@marrow/shared';
import { writeFileAtomic } from './atomic-file';

/**
 * The last catalogue snapshot, on disk. PXE is served from it, so it is replaced atomically
 * and a damaged file is reported rather than served.
 */
export class SnapshotStore {
  constructor(private readonly file: string) {}

  async load(): Promise<CatalogueSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = catalogueSnapshotSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`the stored catalogue snapshot ${this.file} is not valid; it will be replaced at the next sync`);
    return parsed.data;
  }

  async save(snapshot: CatalogueSnapshot): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(snapshot));
  }
}
