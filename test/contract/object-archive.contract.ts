import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/src/errors/marrow-error';
import type { ArchivedObject, ObjectArchive } from '../../lambdas/src/ports/object-archive';
import { inBatches } from './catalogue-fixtures';

export interface ObjectArchiveFixture {
  archive: ObjectArchive;
  teardown: () => Promise<void>;
}

const newTenant = () => `tn_${ulid()}`;
const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function collect(iterable: AsyncIterable<ArchivedObject>): Promise<ArchivedObject[]> {
  const all: ArchivedObject[] = [];
  for await (const object of iterable) all.push(object);
  return all;
}

/** `source` as a stream of uneven chunks, as a disk or a socket would deliver it. */
function chunkedStream(source: Buffer): Readable {
  const steps = [1, 3_000, 65_536, 700_001, 17, 1_048_576];
  return Readable.from(
    (function* () {
      for (let offset = 0, i = 0; offset < source.length; offset += steps[i % steps.length]!, i++) {
        yield source.subarray(offset, Math.min(source.length, offset + steps[i % steps.length]!));
      }
    })(),
  );
}

/**
 * What every ObjectArchive must do (see s3-object-archive.test.ts for the runner). One
 * archive serves the suite; each test writes under fresh tenants.
 */
export function describeObjectArchiveContract(name: string, setup: () => Promise<ObjectArchiveFixture>): void {
  describe(`ObjectArchive contract: ${name}`, () => {
    let fixture: ObjectArchiveFixture | undefined;
    const archive = (): ObjectArchive => fixture!.archive;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.teardown();
    });

    describe('objects', () => {
      it('puts strings and bytes, then gets and heads them', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'masters/ms_1/v1/manifest.json', '{"chunks":[]}', {
          contentType: 'application/json',
        });
        await archive().put(tenantId, 'masters/ms_1/v1/chunk-0', new Uint8Array([0, 1, 2, 255]));

        expect(text(await archive().get(tenantId, 'masters/ms_1/v1/manifest.json'))).toBe('{"chunks":[]}');
        expect(Array.from((await archive().get(tenantId, 'masters/ms_1/v1/chunk-0'))!)).toEqual([0, 1, 2, 255]);
        expect(await archive().head(tenantId, 'masters/ms_1/v1/chunk-0')).toEqual({
          key: 'masters/ms_1/v1/chunk-0',
          sizeBytes: 4,
        });
      });

      it('answers undefined for a missing object', async () => {
        const tenantId = newTenant();
        expect(await archive().get(tenantId, 'nothing/here')).toBeUndefined();
        expect(await archive().getRange(tenantId, 'nothing/here', 0, 9)).toBeUndefined();
        expect(await archive().head(tenantId, 'nothing/here')).toBeUndefined();
      });

      it('overwrites an object on a second put', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'a.txt', 'first version');
        await archive().put(tenantId, 'a.txt', 'second');
        expect(text(await archive().get(tenantId, 'a.txt'))).toBe('second');
        expect((await archive().head(tenantId, 'a.txt'))?.sizeBytes).toBe(6);
      });

      it('reads explicit byte ranges, inclusive at both ends', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'digits', '0123456789');

        expect(text(await archive().getRange(tenantId, 'digits', 2, 5))).toBe('2345');
        expect(text(await archive().getRange(tenantId, 'digits', 0, 0))).toBe('0');
        expect(text(await archive().getRange(tenantId, 'digits', 9, 9))).toBe('9');
        // An end past the object is cut at the object's end, as HTTP ranges are.
        expect(text(await archive().getRange(tenantId, 'digits', 7, 100))).toBe('789');
      });

      it('refuses a range that starts past the end of the object', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'digits', '0123456789');
        await expect(archive().getRange(tenantId, 'digits', 10, 20)).rejects.toBeInstanceOf(ValidationError);
      });

      it('refuses malformed ranges', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'digits', '0123456789');
        for (const [start, end] of [
          [-1, 5],
          [5, 2],
          [0.5, 2],
        ] as const) {
          await expect(archive().getRange(tenantId, 'digits', start, end)).rejects.toBeInstanceOf(ValidationError);
        }
      });

      it('round-trips a 20 MB stream of known length byte for byte', async () => {
        const tenantId = newTenant();
        const data = randomBytes(20 * 1024 * 1024);
        await archive().put(tenantId, 'big/known-length.bin', chunkedStream(data), { contentLength: data.length });

        expect((await archive().head(tenantId, 'big/known-length.bin'))?.sizeBytes).toBe(data.length);
        expect(sha256((await archive().get(tenantId, 'big/known-length.bin'))!)).toBe(sha256(data));
      });

      it('round-trips a 20 MB stream of unknown length byte for byte', async () => {
        const tenantId = newTenant();
        const data = randomBytes(20 * 1024 * 1024 + 123);
        await archive().put(tenantId, 'big/unknown-length.bin', chunkedStream(data));

        expect((await archive().head(tenantId, 'big/unknown-length.bin'))?.sizeBytes).toBe(data.length);
        expect(sha256((await archive().get(tenantId, 'big/unknown-length.bin'))!)).toBe(sha256(data));
        const tail = await archive().getRange(tenantId, 'big/unknown-length.bin', data.length - 200, data.length - 1);
        expect(Buffer.from(tail!).equals(data.subarray(data.length - 200))).toBe(true);
      });

      it('stores an empty stream as an empty object', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'empty', Readable.from([]));
        expect(await archive().head(tenantId, 'empty')).toEqual({ key: 'empty', sizeBytes: 0 });
      });
    });

    describe('listing and deleting', () => {
      it('lists more than 1000 objects in key order with relative keys, then deletes them in batches', async () => {
        const tenantId = newTenant();
        const keys = Array.from({ length: 1005 }, (_, i) => `bulk/chunk-${String(i).padStart(5, '0')}`);
        await inBatches(keys, 32, (key) => archive().put(tenantId, key, 'x'));
        await archive().put(tenantId, 'other/keep-me', 'y');

        const listed = await collect(archive().list(tenantId, 'bulk/'));
        expect(listed.map((o) => o.key)).toEqual(keys);
        expect(listed.every((o) => o.sizeBytes === 1)).toBe(true);
        expect(await collect(archive().list(tenantId, ''))).toHaveLength(1006);

        await archive().delete(tenantId, keys);
        expect(await collect(archive().list(tenantId, 'bulk/'))).toEqual([]);
        expect(await collect(archive().list(tenantId, ''))).toEqual([{ key: 'other/keep-me', sizeBytes: 1, lastModified: expect.any(Date) }]);
      });

      it('lists by prefix, with when each object was written (what storage collection ages by)', async () => {
        const tenantId = newTenant();
        const before = Date.now();
        await archive().put(tenantId, 'masters/ms_a/v1/m.json', '1');
        await archive().put(tenantId, 'masters/ms_b/v1/m.json', '22');
        await archive().put(tenantId, 'logs/x', '333');

        const [only, ...rest] = await collect(archive().list(tenantId, 'masters/ms_a/'));
        expect(rest).toEqual([]);
        expect(only).toMatchObject({ key: 'masters/ms_a/v1/m.json', sizeBytes: 1 });
        // S3 keeps whole seconds; allow for that and for clock skew between us and the server.
        expect(Math.abs(only!.lastModified!.getTime() - before)).toBeLessThan(60_000);
        expect((await collect(archive().list(tenantId, 'masters'))).map((o) => o.key)).toEqual([
          'masters/ms_a/v1/m.json',
          'masters/ms_b/v1/m.json',
        ]);
      });

      it('ignores missing keys when deleting, and an empty key list', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'present', '1');
        await archive().delete(tenantId, ['present', 'absent', 'present']);
        await archive().delete(tenantId, []);
        expect(await archive().head(tenantId, 'present')).toBeUndefined();
      });

      it('deletes nothing when one of the keys is invalid', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'keep', '1');
        await expect(archive().delete(tenantId, ['keep', '../escape'])).rejects.toBeInstanceOf(ValidationError);
        expect(await archive().head(tenantId, 'keep')).toBeDefined();
      });
    });

    describe('tenant isolation', () => {
      it("keeps one tenant's objects out of another's get, head, list and delete", async () => {
        const [a, b] = [newTenant(), newTenant()];
        await archive().put(a, 'masters/ms_1/secret', 'tenant A only');

        expect(await archive().get(b, 'masters/ms_1/secret')).toBeUndefined();
        expect(await archive().getRange(b, 'masters/ms_1/secret', 0, 3)).toBeUndefined();
        expect(await archive().head(b, 'masters/ms_1/secret')).toBeUndefined();
        expect(await collect(archive().list(b, ''))).toEqual([]);
        await archive().delete(b, ['masters/ms_1/secret']);

        expect(text(await archive().get(a, 'masters/ms_1/secret'))).toBe('tenant A only');
      });

      it('refuses keys that could leave the tenant prefix or hide a second meaning', async () => {
        const tenantId = newTenant();
        const badKeys = [
          '',
          '../x',
          'a/../../b',
          '/abs',
          'a//b',
          'a/./b',
          '.',
          'a/..',
          'ends/with/slash/',
          'with space',
          'percent%2e%2e',
          'back\\slash',
          'ümlaut',
          `tenants/${newTenant()}/x?y`,
          `${'x'.repeat(99)}/`.repeat(9) + 'y'.repeat(1),
        ];
        for (const key of badKeys) {
          await expect(archive().put(tenantId, key, 'x'), key).rejects.toBeInstanceOf(ValidationError);
          await expect(archive().get(tenantId, key), key).rejects.toBeInstanceOf(ValidationError);
          await expect(archive().head(tenantId, key), key).rejects.toBeInstanceOf(ValidationError);
          await expect(archive().presignGet(tenantId, key, 60), key).rejects.toBeInstanceOf(ValidationError);
        }
        // 900 characters is the longest key (in segments a file-system-backed store can hold).
        const longest = `${'x'.repeat(99)}/`.repeat(9).slice(0, -1) + 'y';
        expect(longest).toHaveLength(900);
        await expect(archive().put(tenantId, longest, 'ok')).resolves.toBeUndefined();
        expect(text(await archive().get(tenantId, longest))).toBe('ok');
      });

      it('refuses list prefixes that could leave the tenant prefix', async () => {
        const tenantId = newTenant();
        for (const prefix of ['../', '/', '..', 'a//']) {
          await expect(collect(archive().list(tenantId, prefix)), prefix).rejects.toBeInstanceOf(ValidationError);
        }
      });

      it('refuses anything but a tenant id as the tenant', async () => {
        const badTenants = [
          '',
          'tn_abc',
          '../tn_01J00000000000000000000000',
          `${newTenant()}/x`,
          'tn_01j9zzzzzzzzzzzzzzzzzzzzzz', // lower case: not a ULID as we write them
        ];
        for (const tenantId of badTenants) {
          await expect(archive().get(tenantId, 'x'), tenantId).rejects.toBeInstanceOf(ValidationError);
          await expect(archive().put(tenantId, 'x', 'y'), tenantId).rejects.toBeInstanceOf(ValidationError);
          await expect(collect(archive().list(tenantId, '')), tenantId).rejects.toBeInstanceOf(ValidationError);
        }
      });
    });

    describe('presigned URLs', () => {
      it('lets a plain HTTP client GET an object', async () => {
        const tenantId = newTenant();
        await archive().put(tenantId, 'masters/ms_1/v1/manifest.json', '{"ok":true}');

        const response = await fetch(await archive().presignGet(tenantId, 'masters/ms_1/v1/manifest.json', 300));
        expect(response.status).toBe(200);
        expect(await response.text()).toBe('{"ok":true}');
      });

      it('lets a plain HTTP client PUT an object', async () => {
        const tenantId = newTenant();
        const body = randomBytes(64 * 1024);
        const url = await archive().presignPut(tenantId, 'uploads/backup.bin', 300);

        const response = await fetch(url, { method: 'PUT', body });
        expect(response.status).toBe(200);
        expect(sha256((await archive().get(tenantId, 'uploads/backup.bin'))!)).toBe(sha256(body));
      });

      it('refuses unreasonable lifetimes', async () => {
        const tenantId = newTenant();
        await expect(archive().presignGet(tenantId, 'x', 0)).rejects.toBeInstanceOf(ValidationError);
        await expect(archive().presignPut(tenantId, 'x', 8 * 24 * 3600)).rejects.toBeInstanceOf(ValidationError);
      });
    });
  });
}
