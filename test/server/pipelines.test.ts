import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializePipeline } from '../../shared/pipeline/types.ts';
import { samplePipeline, startApp, tempDataDir, useApp } from './support.ts';

describe('pipelines API', () => {
  const app = useApp();

  it('creates, lists, reads, updates and deletes a pipeline, counting revisions', async () => {
    const doc = samplePipeline('round-trip', 'Round trip');
    const created = await app.call('/api/pipelines/round-trip', { method: 'PUT', body: doc });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(await created.json()).toMatchObject({ id: 'round-trip', revision: 1, created: true });

    const list = await (await app.call('/api/pipelines')).json();
    expect(list.pipelines).toEqual([
      { id: 'round-trip', name: 'Round trip', revision: 1, updatedAt: expect.any(String) },
    ]);

    const read = await app.call('/api/pipelines/round-trip');
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    const body = await read.json();
    expect(body.pipeline).toEqual(doc);
    expect(body.revision).toBe(1);

    const renamed = { ...doc, name: 'Round trip, renamed' };
    const updated = await app.call('/api/pipelines/round-trip', {
      method: 'PUT',
      body: renamed,
      headers: { 'If-Match': '"1"' },
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ revision: 2, created: false });
    expect((await (await app.call('/api/pipelines/round-trip')).json()).pipeline.name).toBe('Round trip, renamed');

    const deleted = await app.call('/api/pipelines/round-trip', { method: 'DELETE', headers: { 'If-Match': '2' } });
    expect(deleted.status).toBe(204);
    expect((await app.call('/api/pipelines/round-trip')).status).toBe(404);
    expect((await (await app.call('/api/pipelines')).json()).pipelines).toEqual([]);
    expect((await app.call('/api/pipelines/round-trip', { method: 'DELETE' })).status).toBe(404);
  });

  it('stores the document as writers emit it, in <data dir>/pipelines/<id>.weir.json', async () => {
    const doc = samplePipeline('on-disk');
    expect((await app.call('/api/pipelines/on-disk', { method: 'PUT', body: doc })).status).toBe(201);
    const text = readFileSync(join(app.dataDir, 'pipelines', 'on-disk.weir.json'), 'utf8');
    expect(text).toBe(serializePipeline(doc));
    expect(text).toContain('\n  "nodes": [');
  });

  it('answers 409 E_CONFLICT with the current revision to a write based on a stale revision, and keeps the newer one', async () => {
    const doc = samplePipeline('contested');
    await app.call('/api/pipelines/contested', { method: 'PUT', body: doc });
    const first = await app.call('/api/pipelines/contested', {
      method: 'PUT',
      body: { ...doc, name: 'A' },
      headers: { 'If-Match': '"1"' },
    });
    expect(first.status).toBe(200);
    const second = await app.call('/api/pipelines/contested', {
      method: 'PUT',
      body: { ...doc, name: 'B' },
      headers: { 'If-Match': '"1"' },
    });
    expect(second.status).toBe(409);
    const error = (await second.json()).error;
    expect(error.code).toBe('E_CONFLICT');
    expect(error.revision).toBe(2);
    expect(error.message).toMatch(/revision 2/);
    expect((await (await app.call('/api/pipelines/contested')).json()).pipeline.name).toBe('A');
    const staleDelete = await app.call('/api/pipelines/contested', {
      method: 'DELETE',
      headers: { 'If-Match': '"1"' },
    });
    expect(staleDelete.status).toBe(409);
  });

  it('lets only one of several concurrent writes based on the same revision win', async () => {
    const doc = samplePipeline('race');
    await app.call('/api/pipelines/race', { method: 'PUT', body: doc });
    const results = await Promise.all(
      ['X', 'Y', 'Z'].map((name) =>
        app.call('/api/pipelines/race', { method: 'PUT', body: { ...doc, name }, headers: { 'If-Match': '"1"' } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it('creates only when asked with If-None-Match: * and the id is free', async () => {
    const doc = samplePipeline('create-only');
    expect(
      (await app.call('/api/pipelines/create-only', { method: 'PUT', body: doc, headers: { 'If-None-Match': '*' } }))
        .status,
    ).toBe(201);
    const again = await app.call('/api/pipelines/create-only', {
      method: 'PUT',
      body: doc,
      headers: { 'If-None-Match': '*' },
    });
    expect(again.status).toBe(409);
    expect((await again.json()).error.message).toMatch(/already exists/);
  });

  it('keeps counting revisions when a deleted id is created again, so an old revision still conflicts', async () => {
    const doc = samplePipeline('phoenix');
    await app.call('/api/pipelines/phoenix', { method: 'PUT', body: doc });
    await app.call('/api/pipelines/phoenix', { method: 'DELETE' });
    const reborn = await app.call('/api/pipelines/phoenix', { method: 'PUT', body: doc });
    expect(reborn.status).toBe(201);
    expect((await reborn.json()).revision).toBe(2);
    expect(
      (await app.call('/api/pipelines/phoenix', { method: 'PUT', body: doc, headers: { 'If-Match': '1' } })).status,
    ).toBe(409);
  });

  it('answers 400 E_VALIDATION with the validator’s coded problems and stores nothing', async () => {
    const doc = samplePipeline('broken');
    const broken = {
      ...doc,
      nodes: [...doc.nodes, { id: 'extra', type: 'no.such.type', params: {} }],
      edges: [...doc.edges, { from: 'views', to: 'nowhere' }],
      colour: 'red',
    };
    const res = await app.call('/api/pipelines/broken', { method: 'PUT', body: broken });
    expect(res.status).toBe(400);
    const error = (await res.json()).error;
    expect(error.code).toBe('E_VALIDATION');
    const codes = error.problems.map((p: { path: string; code: string }) => `${p.path} ${p.code}`);
    expect(codes).toContain('nodes[3].type E_UNKNOWN_TYPE');
    expect(codes).toContain('colour E_UNKNOWN_FIELD');
    expect(codes.some((c: string) => c.startsWith('edges[2].') && c.endsWith('E_UNKNOWN_NODE'))).toBe(true);
    expect((await app.call('/api/pipelines/broken')).status).toBe(404);
  });

  it('answers 400 when the document’s id differs from the id in the URL', async () => {
    const res = await app.call('/api/pipelines/other-id', { method: 'PUT', body: samplePipeline('clicks') });
    expect(res.status).toBe(400);
    const error = (await res.json()).error;
    expect(error.code).toBe('E_BAD_REQUEST');
    expect(error.message).toMatch(/"clicks".*"other-id"/);
  });

  it('answers 404 to an id that cannot name a pipeline, such as a path', async () => {
    expect((await app.call('/api/pipelines/..%2Ftoken')).status).toBe(404);
    expect((await app.call('/api/pipelines/Upper')).status).toBe(404);
  });

  it('answers 400, not a server failure, to a malformed escape in the path or a body that does not decompress', async () => {
    const escape = await app.call('/api/pipelines/abc%E0%A4%A');
    expect(escape.status).toBe(400);
    expect((await escape.json()).error.code).toBe('E_BAD_REQUEST');
    const compressed = await app.call('/api/pipelines/abc', {
      method: 'PUT',
      body: '{}',
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
    });
    expect(compressed.status).toBe(400);
  });

  it('answers 400 E_JSON with a line and column to a malformed JSON body', async () => {
    const res = await app.call('/api/pipelines/bad-json', {
      method: 'PUT',
      body: '{\n  "format": "weir/v1",\n  "id": "bad-json",\n}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const error = (await res.json()).error;
    expect(error.code).toBe('E_JSON');
    expect(error.message).toMatch(/line 4, column 1/);
  });

  it('answers 400 E_JSON naming the limit to a body that nests deeper than 256 levels, valid JSON or not', async () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    // The document takes five levels (document, nodes, node, samples, sample) around the sample's value.
    const withSampleOf = (depth: number) =>
      JSON.stringify({
        ...samplePipeline('deep'),
        nodes: [
          { ...samplePipeline().nodes[0], samples: [{ value: 'DEEP', timestamp: 1 }] },
          ...samplePipeline().nodes.slice(1),
        ],
      }).replace('"DEEP"', nested(depth));
    const send = (body: string) =>
      app.call('/api/pipelines/deep', { method: 'PUT', body, headers: { 'Content-Type': 'application/json' } });

    expect((await send(withSampleOf(256 - 5))).status).toBe(201);
    for (const body of [
      withSampleOf(256 - 4),
      withSampleOf(100_000),
      nested(100_000).slice(0, -1),
      `{"a": "[[[[", "b": ${nested(300)}}`,
    ]) {
      const res = await send(body);
      expect(res.status).toBe(400);
      const error = (await res.json()).error;
      expect(error.code).toBe('E_JSON');
      expect(error.message).toMatch(
        /^the request body nests arrays and objects deeper than 256 levels \(line 1, column \d+\), the most the server reads$/,
      );
    }
    // Brackets inside strings are text, not nesting.
    expect((await send(withSampleOf(1).replace('[]', JSON.stringify('['.repeat(10_000))))).status).toBe(200);
  });

  it('answers 415 E_JSON to a body that is not sent as JSON, and 400 to a missing body', async () => {
    const text = await app.call('/api/pipelines/plain', {
      method: 'PUT',
      body: 'hello',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect((await text.json()).error.code).toBe('E_JSON');
    const empty = await app.call('/api/pipelines/plain', { method: 'PUT' });
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.code).toBe('E_JSON');
  });

  it('answers 413 E_TOO_LARGE to a body over 5 MB and stays up', async () => {
    const doc = samplePipeline('huge');
    const huge = { ...doc, description: 'x'.repeat(5 * 1024 * 1024) };
    const res = await app.call('/api/pipelines/huge', { method: 'PUT', body: huge });
    expect(res.status).toBe(413);
    const error = (await res.json()).error;
    expect(error.code).toBe('E_TOO_LARGE');
    expect(error.message).toMatch(/5 MB/);
    expect((await app.call('/api/pipelines')).status).toBe(200);
  });

  it('answers 400 to a precondition it cannot read', async () => {
    const res = await app.call('/api/pipelines/clicks', {
      method: 'PUT',
      body: samplePipeline(),
      headers: { 'If-Match': 'yesterday' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('E_BAD_REQUEST');
  });

  it('answers 503 E_UNAVAILABLE on deployment routes when the app runs without deployments', async () => {
    const res = await app.call('/api/deployments');
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('E_UNAVAILABLE');
  });
});

describe('pipeline storage', () => {
  it('keeps pipelines and their revisions across restarts on the same data dir', async () => {
    const data = tempDataDir();
    try {
      const first = await startApp({ dataDir: data.dir });
      const doc = samplePipeline('durable', 'Durable');
      await first.call('/api/pipelines/durable', { method: 'PUT', body: doc });
      await first.call('/api/pipelines/durable', {
        method: 'PUT',
        body: { ...doc, name: 'Durable 2' },
        headers: { 'If-Match': '1' },
      });
      await first.close();

      const second = await startApp({ dataDir: data.dir });
      try {
        const res = await second.call('/api/pipelines/durable');
        expect(res.headers.get('etag')).toBe('"2"');
        const body = await res.json();
        expect(body.pipeline).toEqual({ ...doc, name: 'Durable 2' });
        expect(
          (await second.call('/api/pipelines/durable', { method: 'PUT', body: doc, headers: { 'If-Match': '1' } }))
            .status,
        ).toBe(409);
        expect(
          (await second.call('/api/pipelines/durable', { method: 'PUT', body: doc, headers: { 'If-Match': '2' } }))
            .status,
        ).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      data.remove();
    }
  });

  it('names a stored document broken by hand, and still lets a write replace it or a delete remove it', async () => {
    const data = tempDataDir();
    const logged: unknown[] = [];
    const app = await startApp({ dataDir: data.dir, log: (_message, err) => logged.push(err) });
    try {
      const doc = samplePipeline('hand-edited');
      await app.call('/api/pipelines/hand-edited', { method: 'PUT', body: doc });
      const file = join(data.dir, 'pipelines', 'hand-edited.weir.json');
      writeFileSync(file, '{ broken');

      const read = await app.call('/api/pipelines/hand-edited');
      expect(read.status).toBe(500);
      // The file by its place in the data directory; where that directory is, only the server's log says.
      const message = (await read.json()).error.message as string;
      expect(message).toMatch(
        /^pipelines\/hand-edited\.weir\.json in the server's data directory: not valid JSON .*; repair that file, or PUT the pipeline again to replace it$/,
      );
      expect(message).not.toContain(data.dir);
      // A message, not a stack: the file is the user's to fix.
      expect(logged).toEqual([expect.stringContaining(file)]);

      expect(
        (await app.call('/api/pipelines/hand-edited', { method: 'PUT', body: doc, headers: { 'If-Match': '2' } }))
          .status,
      ).toBe(409);
      const replaced = await app.call('/api/pipelines/hand-edited', {
        method: 'PUT',
        body: doc,
        headers: { 'If-Match': '1' },
      });
      expect(replaced.status).toBe(200);
      expect(await replaced.json()).toMatchObject({ revision: 2, created: false });
      expect((await (await app.call('/api/pipelines/hand-edited')).json()).pipeline).toEqual(doc);

      writeFileSync(file, '{ broken');
      expect(
        (await app.call('/api/pipelines/hand-edited', { method: 'DELETE', headers: { 'If-Match': '2' } })).status,
      ).toBe(204);
      expect(existsSync(file)).toBe(false);
    } finally {
      await app.close();
      data.remove();
    }
  });

  it('answers a failure of the file system with E_INTERNAL naming no path of the server', async () => {
    const data = tempDataDir();
    const logged: unknown[] = [];
    const app = await startApp({ dataDir: data.dir, log: (_message, err) => logged.push(err) });
    try {
      // A file where the pipelines directory should be: opening a document in it fails with ENOTDIR and its path.
      writeFileSync(join(data.dir, 'pipelines'), '');
      const read = await app.call('/api/pipelines/any');
      expect(read.status).toBe(500);
      const text = await read.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'E_INTERNAL', message: 'the server failed; its log has the details' },
      });
      expect(text).not.toContain(data.dir);
      expect(logged).toEqual([
        expect.objectContaining({ code: 'ENOTDIR', message: expect.stringContaining(data.dir) }),
      ]);
    } finally {
      await app.close();
      data.remove();
    }
  });

  it('lists the other pipelines when one document cannot be read at all', async () => {
    const data = tempDataDir();
    const logged: unknown[] = [];
    const app = await startApp({ dataDir: data.dir, log: (_message, err) => logged.push(err) });
    try {
      await app.call('/api/pipelines/fine', { method: 'PUT', body: samplePipeline('fine', 'Fine') });
      // A directory where a document should be: reading it fails with EISDIR.
      mkdirSync(join(data.dir, 'pipelines', 'odd.weir.json'));
      expect((await app.call('/api/pipelines/odd')).status).toBe(500);
      expect(logged).toEqual([expect.objectContaining({ code: 'EISDIR' })]);
      const list = await app.call('/api/pipelines');
      expect(list.status).toBe(200);
      expect((await list.json()).pipelines).toEqual([
        { id: 'fine', name: 'Fine', revision: 1, updatedAt: expect.any(String) },
        { id: 'odd', name: 'odd (unreadable)', revision: 0, updatedAt: '' },
      ]);
    } finally {
      await app.close();
      data.remove();
    }
  });
});
