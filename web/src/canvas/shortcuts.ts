/**
 * Keyboard commands of the editor: undo/redo, copy/paste, select all, delete. They act on the graph only when no
 * text field has focus, so typing in the inspector or the code editor keeps its own undo and clipboard.
 */
import { useEffect } from 'react';
import type { WeirStore } from '../store/index.ts';

function isTextInput(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement)
    return !['button', 'checkbox', 'radio', 'range', 'color', 'file', 'submit', 'reset'].includes(target.type);
  return target.closest('.monaco-editor') !== null;
}

/** The command a key press means, or null. */
export function commandFor(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
): 'undo' | 'redo' | 'copy' | 'paste' | 'selectAll' | 'delete' | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (e.altKey) return null;
  if (mod && key === 'z') return e.shiftKey ? 'redo' : 'undo';
  if (mod && key === 'y' && !e.shiftKey) return 'redo';
  if (mod && key === 'c' && !e.shiftKey) return 'copy';
  if (mod && key === 'v' && !e.shiftKey) return 'paste';
  if (mod && key === 'a' && !e.shiftKey) return 'selectAll';
  if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) return 'delete';
  return null;
}

export function useEditorShortcuts(store: WeirStore): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTextInput(e.target)) return;
      const command = commandFor(e);
      if (command === null) return;
      const s = store.getState();
      if (command === 'copy' && !s.copySelection()) return;
      e.preventDefault();
      if (command === 'undo') s.undo();
      else if (command === 'redo') s.redo();
      else if (command === 'paste') s.paste();
      else if (command === 'selectAll') s.selectAll();
      else if (command === 'delete') s.deleteSelection();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [store]);
}
