import { describe, it, expect } from 'vitest';
import { createWeirStore } from '../../web/src/store/index.ts';
import { commandFor } from '../../web/src/canvas/shortcuts.ts';

function storeWithChain() {
  const store = createWeirStore();
  const s = store.getState();
  s.addNode('source.kafka', { x: 0, y: 0 });
  s.addNode('filter', { x: 300, y: 0 });
  s.addNode('map', { x: 600, y: 0 });
  s.connect({ from: 'source1', fromPort: 'out', to: 'filter1', toPort: 'in' });
  s.connect({ from: 'filter1', fromPort: 'out', to: 'map1', toPort: 'in' });
  s.setNodeValue('filter1', ['params', 'code'], ['export default (v) => v.ok;']);
  return store;
}

describe('copy and paste', () => {
  it('pastes copies with new unique ids, keeping only the edges between copied nodes', () => {
    const store = storeWithChain();
    store.getState().select(['filter1', 'map1']);
    expect(store.getState().copySelection()).toBe(true);
    const ids = store.getState().paste();
    expect(ids).toEqual(['filter2', 'map2']);
    const doc = store.getState().document;
    expect(doc.nodes.map((n) => n.id)).toEqual(['source1', 'filter1', 'map1', 'filter2', 'map2']);
    expect(doc.edges.slice(2)).toEqual([{ from: 'filter2', to: 'map2' }]);
    expect(doc.nodes[3]!.params.code).toEqual(['export default (v) => v.ok;']);
    expect(doc.nodes[3]!.ui).toEqual({ x: 340, y: 40 });
    expect(store.getState().selectedNodeIds).toEqual(['filter2', 'map2']);
  });

  it('pastes again further away with further ids, and each paste is one undo step', () => {
    const store = storeWithChain();
    store.getState().select(['filter1']);
    store.getState().copySelection();
    store.getState().paste();
    store.getState().paste();
    const doc = store.getState().document;
    expect(doc.nodes.slice(3).map((n) => [n.id, n.ui])).toEqual([
      ['filter2', { x: 340, y: 40 }],
      ['filter3', { x: 380, y: 80 }],
    ]);
    store.getState().undo();
    expect(store.getState().document.nodes.map((n) => n.id)).toEqual(['source1', 'filter1', 'map1', 'filter2']);
  });

  it('copies what was selected, not what is selected at paste time', () => {
    const store = storeWithChain();
    store.getState().select(['map1']);
    store.getState().copySelection();
    store.getState().setNodeValue('map1', ['label'], 'changed later');
    store.getState().paste();
    expect(store.getState().document.nodes.at(-1)!.label).toBeUndefined();
  });

  it('does not copy when nothing is selected', () => {
    const store = storeWithChain();
    store.getState().select([]);
    expect(store.getState().copySelection()).toBe(false);
    expect(store.getState().paste()).toEqual([]);
  });
});

describe('keyboard commands', () => {
  const key = (
    k: string,
    mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {},
  ) => commandFor({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it('maps undo, both redo chords, copy, paste and delete on Windows, Linux and macOS', () => {
    expect(key('z', { ctrlKey: true })).toBe('undo');
    expect(key('z', { metaKey: true })).toBe('undo');
    expect(key('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(key('Z', { metaKey: true, shiftKey: true })).toBe('redo');
    expect(key('y', { ctrlKey: true })).toBe('redo');
    expect(key('c', { metaKey: true })).toBe('copy');
    expect(key('v', { ctrlKey: true })).toBe('paste');
    expect(key('Delete')).toBe('delete');
    expect(key('Backspace')).toBe('delete');
    expect(key('z')).toBeNull();
    expect(key('z', { ctrlKey: true, altKey: true })).toBeNull();
  });
});
