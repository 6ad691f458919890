import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWeirStore } from '../../web/src/store/index.ts';
import { readPipelineText, exportFileName } from '../../web/src/documents/files.ts';
import { PipelineLibrary, type StorageLike } from '../../web/src/documents/library.ts';
import { DocumentSession } from '../../web/src/documents/session.ts';
import { serializePipeline } from '../../shared/pipeline/types.ts';

const examplesDir = join(import.meta.dirname, '../../examples');
const exampleFiles = readdirSync(examplesDir).filter((f) => f.endsWith('.weir.json'));

class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

describe('pipeline files', () => {
  it('has examples to check', () => {
    expect(exampleFiles.length).toBeGreaterThan(0);
  });

  for (const file of exampleFiles) {
    it(`exports ${file} byte for byte as it was imported, even after an edit is undone`, () => {
      const text = readFileSync(join(examplesDir, file), 'utf8');
      const read = readPipelineText(text);
      expect(read.ok).toBe(true);
      if (!read.ok) return;
      expect(read.problems).toEqual([]);
      const store = createWeirStore();
      store.getState().loadDocument(read.doc);
      expect(serializePipeline(store.getState().document)).toBe(text);
      const first = store.getState().document.nodes[0]!.id;
      store.getState().beginDrag();
      store
        .getState()
        .applyNodeChanges([{ type: 'position', id: first, position: { x: 999, y: 999 }, dragging: true }]);
      store.getState().setNodeValue(first, ['label'], 'temporary');
      expect(serializePipeline(store.getState().document)).not.toBe(text);
      store.getState().undo();
      store.getState().undo();
      expect(serializePipeline(store.getState().document)).toBe(text);
      expect(exportFileName(store.getState().document)).toBe(`${read.doc.id}.weir.json`);
    });
  }

  it('keeps a file with validation problems and reports them in the weir validate form', () => {
    const text = JSON.stringify({
      format: 'weir/v1',
      id: 'p',
      name: 'P',
      nodes: [{ id: 'f', type: 'filter', params: { code: 42 } }],
      edges: [],
    });
    const read = readPipelineText(text);
    expect(read.ok).toBe(true);
    expect(read.problems.map((p) => `${p.path}: ${p.code}`)).toContain('nodes[0].params.code: E_TYPE');
  });

  it('refuses text that is not JSON, saying where it stops being JSON', () => {
    const read = readPipelineText('{ "format": "weir/v1",\n  "id": }');
    expect(read.ok).toBe(false);
    expect(read.problems[0]!.code).toBe('E_JSON');
    expect(read.problems[0]!.message).toMatch(/^line 2, column/);
  });

  it('refuses a document whose nodes cannot be drawn', () => {
    const read = readPipelineText(JSON.stringify({ format: 'weir/v1', id: 'p', name: 'P', nodes: 'none', edges: [] }));
    expect(read.ok).toBe(false);
    expect(read.problems.map((p) => p.path)).toContain('nodes');
  });
});

describe('pipelines kept in the browser', () => {
  it('saves a document as an export would write it and lists the newest first', () => {
    const storage = new MemoryStorage();
    const library = new PipelineLibrary(storage);
    const a = { format: 'weir/v1' as const, id: 'a', name: 'A', nodes: [], edges: [] };
    const b = { ...a, id: 'b', name: 'B' };
    library.save('k1', a, 1000);
    library.save('k2', b, 2000);
    expect(library.list().map((e) => e.key)).toEqual(['k2', 'k1']);
    expect(storage.getItem('weir:pipeline:k1')).toBe(serializePipeline(a));
    library.save('k1', { ...a, name: 'A2' }, 3000);
    expect(library.list().map((e) => [e.key, e.name])).toEqual([
      ['k1', 'A2'],
      ['k2', 'B'],
    ]);
    library.remove('k2');
    expect(library.list().map((e) => e.key)).toEqual(['k1']);
    expect(library.freeId('a')).toBe('a-2');
  });

  it('autosaves after a pause and restores the same document in a new session', async () => {
    const storage = new MemoryStorage();
    const first = createWeirStore();
    const session = new DocumentSession(first, storage);
    session.start();
    first.getState().addNode('filter', { x: 1, y: 2 });
    first.getState().setPipelineValue('name', 'Kept');
    await new Promise((resolve) => setTimeout(resolve, 600));
    session.stop();

    const second = createWeirStore();
    new DocumentSession(second, storage).start();
    expect(second.getState().document).toEqual(first.getState().document);
    expect(second.getState().storedPipelines.map((e) => e.name)).toEqual(['Kept']);
  });

  it('imports into a new slot, so the document that was open stays stored', () => {
    const storage = new MemoryStorage();
    const store = createWeirStore();
    const session = new DocumentSession(store, storage);
    session.start();
    store.getState().addNode('filter', { x: 0, y: 0 });
    const firstKey = store.getState().documentKey;
    const text = readFileSync(join(examplesDir, exampleFiles[0]!), 'utf8');
    expect(session.importText(text, exampleFiles[0]!)).toBe(true);
    expect(store.getState().documentKey).not.toBe(firstKey);
    expect(store.getState().storedPipelines).toHaveLength(2);
    expect(serializePipeline(store.getState().document)).toBe(text);
    expect(store.getState().notice?.tone).toBe('success');
    expect(session.importText('not json', 'broken.weir.json')).toBe(false);
    // "n" may still begin `null`; the text stops being JSON at the "o".
    expect(store.getState().notice?.lines?.[0]).toMatch(/^\(document\): E_JSON: line 1, column 2/);
    expect(serializePipeline(store.getState().document)).toBe(text);
  });

  it('keeps no blank untitled document: not on a first visit, not after New, and not once its only node is deleted', async () => {
    const storage = new MemoryStorage();
    const store = createWeirStore();
    const session = new DocumentSession(store, storage);
    session.start();
    expect(store.getState().document.name).toBe('Untitled pipeline');
    expect(store.getState().documentKey).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 500));
    session.flush();
    expect(new PipelineLibrary(storage).list()).toEqual([]);
    expect(store.getState().storedPipelines).toEqual([]);

    session.openTemplate({
      format: 'weir/v1',
      id: 'kept',
      name: 'Kept',
      nodes: [{ id: 'f', type: 'filter', params: {} }],
      edges: [],
    });
    session.newPipeline();
    expect(store.getState().storedPipelines.map((e) => e.name)).toEqual(['Kept']);
    const id = store.getState().addNode('filter', { x: 0, y: 0 });
    session.flush();
    expect(
      store
        .getState()
        .storedPipelines.map((e) => e.name)
        .sort(),
    ).toEqual(['Kept', 'Untitled pipeline']);
    store.getState().deleteElements([id], []);
    session.flush();
    expect(store.getState().storedPipelines.map((e) => e.name)).toEqual(['Kept']);
    store.getState().undo();
    session.stop();

    // The document is kept again after the undo, and is the one a new session opens.
    const again = createWeirStore();
    new DocumentSession(again, storage).start();
    expect(again.getState().document.nodes.map((n) => n.id)).toEqual([id]);
  });

  it('prunes the blank untitled document an earlier version stored on the first visit, and keeps named or edited ones', () => {
    const storage = new MemoryStorage();
    const library = new PipelineLibrary(storage);
    const blank = { format: 'weir/v1' as const, id: 'untitled', name: 'Untitled pipeline', nodes: [], edges: [] };
    library.save('k1', blank, 1000);
    library.save('k2', { ...blank, id: 'untitled-2', description: 'notes for later' }, 2000);
    library.save('k3', { ...blank, id: 'orders', name: 'Orders' }, 3000);
    library.setCurrent('k1');
    const store = createWeirStore();
    new DocumentSession(store, storage).start();
    expect(store.getState().storedPipelines.map((e) => e.key)).toEqual(['k3', 'k2']);
    expect(storage.getItem('weir:pipeline:k1')).toBeNull();
    expect(store.getState().document).toMatchObject({ name: 'Untitled pipeline', nodes: [] });
  });
});
