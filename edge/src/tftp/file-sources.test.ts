import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCompositeSource } from './composite-source';
import { createDirectorySource } from './directory-source';
import { TftpAccessViolationError, TftpError, TftpFileNotFoundError, TftpRootMissingError, TftpRootNotDirectoryError } from './errors';
import type { TftpFileSource, TftpRequestContext } from './file-source';
import { fileSourceContract, contractFiles } from './file-source.contract';
import { createGeneratedSource } from './generated-source';
import { createMappedFilesSource } from './mapped-files-source';
import { makeTempRoot, type TempRoot } from './testing/temp-root';

const context: TftpRequestContext = { remoteAddress: '10.77.0.101', remotePort: 2070 };

async function rootWithContractFiles(): Promise<TempRoot> {
  const temp = await makeTempRoot();
  for (const [name, content] of Object.entries(contractFiles)) await temp.write(name, content);
  return temp;
}

fileSourceContract('directory', async () => {
  const temp = await rootWithContractFiles();
  return { source: await createDirectorySource(temp.root), teardown: temp.remove };
});

fileSourceContract('mapped files (outside any root)', async () => {
  const temp = await makeTempRoot();
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(contractFiles)) {
    const path = join(temp.outside, name.replace('/', '-'));
    await writeFile(path, content);
    files[name] = path;
  }
  return { source: createMappedFilesSource(files), teardown: temp.remove };
});

fileSourceContract('generated', async () => ({
  source: createGeneratedSource(Object.fromEntries(Object.entries(contractFiles).map(([name, content]) => [name, async () => Buffer.from(content)]))),
}));

fileSourceContract('composite (generated, then directory)', async () => {
  const temp = await rootWithContractFiles();
  const generated = createGeneratedSource({ 'hello.txt': async () => Buffer.from(contractFiles['hello.txt']) });
  return { source: createCompositeSource([generated, await createDirectorySource(temp.root)]), teardown: temp.remove };
});

describe('directory source: the jail', () => {
  let temp: TempRoot;
  let source: TftpFileSource;
  beforeEach(async () => {
    temp = await makeTempRoot();
    await temp.write('pxelinux.0', 'boot');
    await temp.write('boot/menu.cfg', 'menu');
    source = await createDirectorySource(temp.root);
  });
  afterEach(() => temp.remove());

  it('"/etc/passwd" is looked up under the root, so it is not found', async () => {
    await expect(source.open('/etc/passwd', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
  });

  it('"../outside/secret.txt" and "a/../../outside/secret.txt" are access violations', async () => {
    await expect(source.open('../outside/secret.txt', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
    await expect(source.open('boot/../../outside/secret.txt', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
  });

  it('a symlink pointing out of the root is refused; one inside it is served', async () => {
    await temp.link('escape.txt', join(temp.outside, 'secret.txt'));
    await temp.link('escape-dir', temp.outside);
    await temp.link('alias.cfg', join(temp.root, 'boot/menu.cfg'));
    await temp.link('relative.cfg', 'boot/menu.cfg');
    await expect(source.open('escape.txt', context)).rejects.toThrow(/resolves outside the TFTP root/);
    await expect(source.open('escape-dir/secret.txt', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
    for (const name of ['alias.cfg', 'relative.cfg']) {
      const file = await source.open(name, context);
      expect(file.size).toBe(4);
      await file.close();
    }
  });

  it('a dangling symlink and a directory are "not found"', async () => {
    await temp.link('dangling', join(temp.root, 'nothing-here'));
    await expect(source.open('dangling', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
    await expect(source.open('boot', context)).rejects.toThrow(/not a regular file/);
  });

  it('a symlink loop is refused', async () => {
    await temp.link('loop-a', join(temp.root, 'loop-b'));
    await temp.link('loop-b', join(temp.root, 'loop-a'));
    await expect(source.open('loop-a', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
  });

  it('a root that is itself a symlink works', async () => {
    await temp.link('../root-link', temp.root).catch(() => undefined);
    const linked = await createDirectorySource(join(temp.base, 'root-link'));
    const file = await linked.open('pxelinux.0', context);
    expect(file.size).toBe(4);
    await file.close();
  });

  it('a missing root or a root that is a file fails with a startup error naming it', async () => {
    await expect(createDirectorySource('/nonexistent/tftp')).rejects.toThrow(new TftpRootMissingError('/nonexistent/tftp'));
    await expect(createDirectorySource('/nonexistent/tftp')).rejects.toThrow('TFTP root /nonexistent/tftp does not exist');
    await expect(createDirectorySource(join(temp.root, 'pxelinux.0'))).rejects.toBeInstanceOf(TftpRootNotDirectoryError);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is an access violation', async () => {
    await chmod(join(temp.root, 'pxelinux.0'), 0);
    await expect(source.open('pxelinux.0', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
  });
});

describe('mapped files source', () => {
  it('serves only the mapped names, from wherever they are', async () => {
    const temp = await makeTempRoot();
    try {
      const source = createMappedFilesSource({ 'undionly.kpxe': join(temp.outside, 'secret.txt'), '/efi/snponly.efi': join(temp.outside, 'gone.efi') });
      const file = await source.open('/undionly.kpxe', context);
      expect(file.size).toBe(21);
      await file.close();
      await expect(source.open('secret.txt', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
      await expect(source.open('efi/snponly.efi', context)).rejects.toBeInstanceOf(TftpFileNotFoundError); // mapped, but missing on disk
    } finally {
      await temp.remove();
    }
  });

  it('rejects relative paths and names no client could ask for', () => {
    expect(() => createMappedFilesSource({ 'a.bin': 'relative/a.bin' })).toThrow(TftpError);
    expect(() => createMappedFilesSource({ '../a.bin': '/tmp/a.bin' })).toThrow(/not a valid TFTP name/);
  });
});

describe('generated source', () => {
  it('generates per client, and null means not found', async () => {
    const seen: TftpRequestContext[] = [];
    const source = createGeneratedSource({
      'boot/client.ipxe': async (ctx) => {
        seen.push(ctx);
        return ctx.remoteAddress === '10.77.0.101' ? Buffer.from(`#!ipxe\necho ${ctx.remoteAddress}\n`) : null;
      },
    });
    const file = await source.open('/boot/client.ipxe', context);
    expect(file.size).toBe('#!ipxe\necho 10.77.0.101\n'.length);
    await expect(source.open('boot/client.ipxe', { remoteAddress: '10.77.0.102', remotePort: 1 })).rejects.toBeInstanceOf(TftpFileNotFoundError);
    expect(seen).toHaveLength(2);
  });
});

describe('composite source', () => {
  it('falls through "not found" and stops at an access violation', async () => {
    const temp = await makeTempRoot();
    try {
      await temp.write('a.txt', 'from disk');
      await mkdir(join(temp.root, 'dir'));
      const calls: string[] = [];
      const spy: TftpFileSource = {
        open: async (name) => {
          calls.push(name);
          throw new TftpFileNotFoundError(name);
        },
      };
      const refusing: TftpFileSource = { open: async () => Promise.reject(new TftpAccessViolationError('no')) };
      const source = createCompositeSource([spy, await createDirectorySource(temp.root), spy]);
      const file = await source.open('a.txt', context);
      expect(file.size).toBe(9);
      await file.close();
      expect(calls).toEqual(['a.txt']);
      await expect(source.open('b.txt', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
      expect(calls).toEqual(['a.txt', 'b.txt', 'b.txt']);
      await expect(createCompositeSource([refusing, spy]).open('x', context)).rejects.toBeInstanceOf(TftpAccessViolationError);
      expect(calls).toHaveLength(3);
      await expect(createCompositeSource([]).open('x', context)).rejects.toBeInstanceOf(TftpFileNotFoundError);
    } finally {
      await temp.remove();
    }
  });
});
