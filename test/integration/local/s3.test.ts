// s3rver must behave like S3 for what Sluice's log does with segment objects, with the
// client exactly as lib/storage/clients.ts configures it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { durablePutObject, resolveRange } from '../../../lib/local/s3rver-compat.ts';
import { createStorageClients, destroyStorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';

describe('S3 on the local stack', () => {
  const storage = useTestStorage();
  const body = randomBytes(64 * 1024 + 7);

  const getBytes = async (Key: string, Range?: string) => {
    const { clients, config } = storage;
    const res = await clients.s3.send(new GetObjectCommand({ Bucket: config.names.bucket, Key, Range }));
    return { res, bytes: Buffer.from(await res.Body!.transformToByteArray()) };
  };

  it('puts and gets an object, byte for byte', async () => {
    const { clients, config } = storage;
    const put = await clients.s3.send(
      new PutObjectCommand({ Bucket: config.names.bucket, Key: 'segments/t/0/a', Body: body, ContentType: 'application/octet-stream' }),
    );
    expect(put.ETag).toBeTruthy();
    const { res, bytes } = await getBytes('segments/t/0/a');
    expect(bytes.equals(body)).toBe(true);
    expect(res.ContentLength).toBe(body.length);
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: config.names.bucket, Key: 'segments/t/0/a' }));
    expect(head.ContentLength).toBe(body.length);
  });

  it('returns exactly the requested byte range', async () => {
    const { res, bytes } = await getBytes('segments/t/0/a', 'bytes=1000-1999');
    expect(res.$metadata.httpStatusCode).toBe(206);
    expect(res.ContentRange).toBe(`bytes 1000-1999/${body.length}`);
    expect(res.ContentLength).toBe(1000);
    expect(bytes.equals(body.subarray(1000, 2000))).toBe(true);

    const last = await getBytes('segments/t/0/a', `bytes=${body.length - 10}-${body.length - 1}`);
    expect(last.bytes.equals(body.subarray(body.length - 10))).toBe(true);

    const single = await getBytes('segments/t/0/a', 'bytes=0-0');
    expect(single.bytes.equals(body.subarray(0, 1))).toBe(true);

    const open = await getBytes('segments/t/0/a', `bytes=${body.length - 5}-`);
    expect(open.bytes.equals(body.subarray(body.length - 5))).toBe(true);

    const suffix = await getBytes('segments/t/0/a', 'bytes=-100');
    expect(suffix.res.ContentRange).toBe(`bytes ${body.length - 100}-${body.length - 1}/${body.length}`);
    expect(suffix.bytes.equals(body.subarray(body.length - 100))).toBe(true);

    const past = await getBytes('segments/t/0/a', `bytes=${body.length - 3}-${body.length + 1000}`);
    expect(past.bytes.equals(body.subarray(body.length - 3))).toBe(true);

    await expect(getBytes('segments/t/0/a', `bytes=${body.length}-`)).rejects.toMatchObject({
      name: 'InvalidRange',
      $metadata: { httpStatusCode: 416 },
    });
  });

  it('lists by prefix, in key order, with continuation', async () => {
    const { clients, config } = storage;
    const Bucket = config.names.bucket;
    const keys = ['segments/t/1/c', 'segments/t/1/a', 'segments/t/1/b', 'segments/t/10/x'];
    for (const Key of keys) await clients.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));

    const all = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/1/' }));
    expect(all.Contents?.map((o) => o.Key)).toEqual(['segments/t/1/a', 'segments/t/1/b', 'segments/t/1/c']);
    expect(all.Contents?.[0]?.Size).toBe('segments/t/1/a'.length);

    const page1 = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/1/', MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual(['segments/t/1/a', 'segments/t/1/b']);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await clients.s3.send(
      new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/1/', MaxKeys: 2, ContinuationToken: page1.NextContinuationToken }),
    );
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['segments/t/1/c']);
    expect(page2.IsTruncated).toBe(false);

    const after = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/1', StartAfter: 'segments/t/1/b' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['segments/t/1/c', 'segments/t/10/x']);

    const grouped = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/', Delimiter: '/' }));
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['segments/t/0/', 'segments/t/1/', 'segments/t/10/']);
  });

  it('pages through a listing larger than one page with the SDK paginator', async () => {
    const { clients, config } = storage;
    const Bucket = config.names.bucket;
    const keys = Array.from({ length: 25 }, (_, i) => `many/${String(i).padStart(3, '0')}`);
    await Promise.all(keys.map((Key) => clients.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }))));
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2({ client: clients.s3, pageSize: 10 }, { Bucket, Prefix: 'many/' })) {
      expect(page.KeyCount).toBe(page.Contents?.length);
      seen.push(...(page.Contents ?? []).map((o) => o.Key!));
    }
    expect(seen).toEqual(keys);
  });

  it('deletes objects; a missing key is NoSuchKey', async () => {
    const { clients, config } = storage;
    const Bucket = config.names.bucket;
    await clients.s3.send(new DeleteObjectCommand({ Bucket, Key: 'segments/t/0/a' }));
    await expect(clients.s3.send(new GetObjectCommand({ Bucket, Key: 'segments/t/0/a' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    // Deleting what is not there succeeds, as on S3.
    await clients.s3.send(new DeleteObjectCommand({ Bucket, Key: 'segments/t/0/a' }));
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'segments/t/0/' }));
    expect(listed.Contents ?? []).toEqual([]);
  });

  it('deletes several objects in one DeleteObjects call', async () => {
    const { clients, config } = storage;
    const Bucket = config.names.bucket;
    const keys = ['bulk/a', 'bulk/b', 'bulk/c'];
    for (const Key of keys) await clients.s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const res = await clients.s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [...keys, 'bulk/missing'].map((Key) => ({ Key })), Quiet: true } }),
    );
    expect(res.Errors ?? []).toEqual([]);
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'bulk/' }));
    expect(listed.KeyCount).toBe(0);
  });
});

describe('resolveRange (the s3rver range fix)', () => {
  it('follows S3 for single byte ranges', () => {
    expect(resolveRange('bytes=0-0', 10)).toEqual([0, 0]);
    expect(resolveRange('bytes=2-5', 10)).toEqual([2, 5]);
    expect(resolveRange('bytes=2-', 10)).toEqual([2, 9]);
    expect(resolveRange('bytes=8-100', 10)).toEqual([8, 9]);
    expect(resolveRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(resolveRange('bytes=-30', 10)).toEqual([0, 9]);
    expect(resolveRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(resolveRange('bytes=10-12', 10)).toBe('unsatisfiable');
    expect(resolveRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(resolveRange('bytes=5-2', 10)).toBe('ignore');
    expect(resolveRange('bytes=1-2,4-5', 10)).toBe('ignore');
  });
});

describe('PutObject on s3rver (the durability fix)', () => {
  const require = createRequire(import.meta.url);
  const FilesystemStore = require('s3rver/lib/stores/filesystem.js');
  const S3Object = require('s3rver/lib/models/object.js');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-s3store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves only once the whole object is in its file', async () => {
    const store = new FilesystemStore(dir);
    await store.putBucket('b');
    const put = durablePutObject(store);
    // s3rver's own putObject resolves on the end of its input: with large chunks the
    // file is often still short at that point.
    for (let i = 0; i < 5; i++) {
      const body = Buffer.alloc(8 * 1024 * 1024, i);
      const content = i % 2 === 0 ? body : Readable.from([body]);
      const { size } = await put(new S3Object('b', `k${i}`, content, { 'content-type': 'application/octet-stream' }));
      expect(size).toBe(body.length);
      expect(statSync(store.getResourcePath('b', `k${i}`, 'object')).size).toBe(body.length);
    }
  });
});

describe('who s3rver answers', () => {
  const storage = useTestStorage();

  it('refuses unsigned requests', async () => {
    if (inject('emulators').external) return; // LocalStack has its own rules
    const { config } = storage;
    const url = `${config.endpoints!.s3}/${config.names.bucket}/anonymous`;
    const put = await fetch(url, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('AccessDenied');
    const form = await fetch(`${config.endpoints!.s3}/${config.names.bucket}`, { method: 'POST', body: new FormData() });
    expect(form.status).toBe(403);
  });

  it("refuses s3rver's well-known key pair: only the stack's own key is accepted", async () => {
    if (inject('emulators').external) return;
    const clients = createStorageClients({ ...storage.config, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      await expect(
        clients.s3.send(new PutObjectCommand({ Bucket: storage.config.names.bucket, Key: 'foreign', Body: 'x' })),
      ).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    } finally {
      destroyStorageClients(clients);
    }
  });
});
