/** Pipelines on disk (server/src/storage/pipeline-store.ts): listing beside deletes, the ledger of deleted ids. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PipelineStore } from '../../server/src/storage/pipeline-store.ts';
import { serializePipeline } from '../../shared/pipeline/types.ts';
import { samplePipeline, tempDataDir } from './support.ts';

describe('the pipeline store', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  function store(): PipelineStore {
    const data = tempDataDir();
    dirs.push(data);
    return new PipelineStore(join(data.dir, 'pipelines'));
  }

  it('lists while pipelines are being deleted: every listing succeeds and shows what was not deleted yet', async () => {
    const pipelines = store();
    const ids = Array.from({ length: 40 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
    for (let round = 0; round < 5; round++) {
      // Half of them written by hand, without a sidecar: the documents a listing reads most of.
      for (const [i, id] of ids.entries()) {
        if (i % 2 === 0) await pipelines.put(samplePipeline(id, id), undefined);
        else writeFileSync(join(pipelines.dir, `${id}.weir.json`), serializePipeline(samplePipeline(id, id)));
      }
      const deletes = Promise.all(ids.map((id) => pipelines.delete(id, undefined)));
      const listings = await Promise.all(Array.from({ length: 20 }, () => pipelines.list()));
      await deletes;
      for (const listing of listings) for (const summary of listing) expect(ids).toContain(summary.id);
      expect(await pipelines.list()).toEqual([]);
    }
  });

  it('leaves no file of a deleted pipeline in its directory, and a re-created one counts on from its last revision', async () => {
    const pipelines = store();
    await pipelines.put(samplePipeline('gone'), undefined);
    await pipelines.put(samplePipeline('gone'), 1);
    await pipelines.put(samplePipeline('kept'), undefined);
    expect(await pipelines.delete('gone', 2)).toBe(true);
    expect(readdirSync(pipelines.dir).sort()).toEqual(['.deleted.json', 'kept.meta.json', 'kept.weir.json']);
    expect((await pipelines.put(samplePipeline('gone'), 'absent')).revision).toBe(3);
    // A document dropped in by hand under a deleted id counts on too.
    await pipelines.delete('gone', 3);
    writeFileSync(join(pipelines.dir, 'gone.weir.json'), serializePipeline(samplePipeline('gone')));
    expect((await pipelines.get('gone'))?.revision).toBe(4);
  });

  it('folds a sidecar left without its document, such as an older version’s tombstone, into the ledger when listing', async () => {
    const pipelines = store();
    await pipelines.put(samplePipeline('live'), undefined);
    writeFileSync(
      join(pipelines.dir, 'old.meta.json'),
      JSON.stringify({ revision: 7, updatedAt: '2026-01-01T00:00:00.000Z', deleted: true }),
    );
    expect((await pipelines.list()).map((s) => s.id)).toEqual(['live']);
    expect(existsSync(join(pipelines.dir, 'old.meta.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(pipelines.dir, '.deleted.json'), 'utf8'))).toEqual({ old: 7 });
    expect((await pipelines.put(samplePipeline('old'), undefined)).revision).toBe(8);
  });

  it('lists a document changed by hand since the last listing as it is now', async () => {
    const pipelines = store();
    await pipelines.put(samplePipeline('edited', 'Before'), undefined);
    expect((await pipelines.list())[0]!.name).toBe('Before');
    writeFileSync(join(pipelines.dir, 'edited.weir.json'), serializePipeline(samplePipeline('edited', 'Aft3r!')));
    expect((await pipelines.list())[0]!.name).toBe('Aft3r!');
    writeFileSync(join(pipelines.dir, 'edited.weir.json'), '{ broken');
    expect(await pipelines.list()).toEqual([{ id: 'edited', name: 'edited (unreadable)', revision: 0, updatedAt: '' }]);
  });
});
