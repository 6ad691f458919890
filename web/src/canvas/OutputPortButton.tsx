/**
 * Wiring without a mouse (issue 11, item 12). An output port's name is a button ("Output out of Count per user");
 * Enter, Space or ArrowDown opens a menu of the inputs it may connect to (only those `connectionProblem` accepts),
 * and choosing one makes the edge through the store's `connect`, undoable like a dragged edge. Escape closes the
 * menu; either way focus goes back to the port. The menu is portalled to the body so that neither the canvas's zoom
 * nor another node covers it, and it carries `nokey` so React Flow does not take its keys (select, move a node).
 */
import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import { weirStore } from '../store/index.ts';
import { outputPortName, portTargets, type PortTarget } from './port-targets.ts';
import './port-menu.css';

const MENU_WIDTH = 260;

let liveRegion: HTMLElement | null = null;

/** Says `text` to a screen reader through one polite live region shared by all ports. */
function announce(text: string): void {
  if (!liveRegion?.isConnected) {
    liveRegion = document.createElement('div');
    liveRegion.className = 'sr-only';
    liveRegion.setAttribute('role', 'status');
    liveRegion.setAttribute('aria-live', 'polite');
    liveRegion.dataset.portAnnouncer = '';
    document.body.appendChild(liveRegion);
  }
  liveRegion.textContent = text;
}

interface MenuState {
  targets: PortTarget[];
  left: number;
  top: number;
}

export function OutputPortButton({ nodeId, nodeLabel, port }: { nodeId: string; nodeLabel: string; port: string }) {
  const [menu, setMenu] = useState<MenuState | null>(null);
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const popup = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const name = outputPortName(nodeLabel, port);

  const open = () => {
    const rect = button.current?.getBoundingClientRect();
    if (!rect) return;
    const targets = portTargets(weirStore.getState().document, nodeId, port);
    // Beside the port, to its right where the wire would go; to its left when the window ends there.
    const left =
      rect.right + 14 + MENU_WIDTH <= window.innerWidth ? rect.right + 14 : Math.max(4, rect.left - MENU_WIDTH - 8);
    const top = Math.max(4, Math.min(rect.top - 6, window.innerHeight - 200));
    setActive(0);
    setMenu({ targets, left, top });
  };

  const close = (refocus: boolean) => {
    setMenu(null);
    if (refocus) requestAnimationFrame(() => button.current?.focus({ preventScroll: true }));
  };

  const choose = (target: PortTarget) => {
    const state = weirStore.getState();
    const reason = state.connect(target.request);
    if (reason !== null) state.showNotice({ tone: 'error', title: reason });
    else announce(`Connected ${name} to ${target.label}.`);
    close(true);
  };

  // The menu's first entry (or the menu itself, when nothing can be connected) takes focus as it opens.
  useLayoutEffect(() => {
    if (!menu) return;
    const items = popup.current?.querySelectorAll<HTMLElement>('[role="menuitem"]');
    (items?.[active] ?? popup.current)?.focus({ preventScroll: true });
  }, [menu, active]);

  // A click elsewhere, or the canvas moving under the menu, closes it.
  useEffect(() => {
    if (!menu) return;
    const onPointer = (e: PointerEvent) => {
      if (!popup.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) close(false);
    };
    const onWheel = (e: WheelEvent) => {
      if (!popup.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', onPointer, true);
    document.addEventListener('wheel', onWheel, true);
    return () => {
      document.removeEventListener('pointerdown', onPointer, true);
      document.removeEventListener('wheel', onWheel, true);
    };
  }, [menu]);

  const onButtonKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' && !menu) {
      e.preventDefault();
      e.stopPropagation();
      open();
    }
  };

  const onMenuKey = (e: KeyboardEvent) => {
    // Keys pressed in the menu are the menu's: not React Flow's, not the editor's shortcuts (Delete, Ctrl+Z).
    e.stopPropagation();
    const count = menu?.targets.length ?? 0;
    if (e.key === 'Tab') return close(false);
    if (e.key === 'Enter' || e.key === ' ') {
      // A menu item is a button: let its click do the choosing.
      if (count === 0) e.preventDefault();
      return;
    }
    e.preventDefault();
    if (e.key === 'Escape') close(true);
    else if (e.key === 'ArrowDown' && count > 0) setActive((i) => (i + 1) % count);
    else if (e.key === 'ArrowUp' && count > 0) setActive((i) => (i - 1 + count) % count);
    else if (e.key === 'Home') setActive(0);
    else if (e.key === 'End' && count > 0) setActive(count - 1);
  };

  return (
    <>
      <button
        ref={button}
        type="button"
        className="port-button nodrag nokey"
        aria-label={name}
        aria-haspopup="menu"
        aria-expanded={menu !== null}
        aria-controls={menu ? menuId : undefined}
        data-output-port={port}
        onClick={() => (menu ? close(true) : open())}
        onKeyDown={onButtonKey}
      >
        {port}
      </button>
      {menu &&
        createPortal(
          <div
            ref={popup}
            id={menuId}
            className="port-menu nokey nowheel"
            role="menu"
            aria-label={`Connect ${name} to`}
            tabIndex={-1}
            style={{ left: menu.left, top: menu.top, width: MENU_WIDTH }}
            onKeyDown={onMenuKey}
          >
            <div className="port-menu__heading" aria-hidden="true">
              Connect {port} of {nodeLabel} to
            </div>
            {menu.targets.length === 0 ? (
              <p className="port-menu__empty">
                No input can take this output: every other one is connected already or would make a cycle.
              </p>
            ) : (
              menu.targets.map((target, i) => (
                <button
                  key={`${target.request.to}.${target.request.toPort}`}
                  type="button"
                  role="menuitem"
                  className="port-menu__item"
                  tabIndex={i === active ? 0 : -1}
                  onClick={() => choose(target)}
                  onFocus={() => setActive(i)}
                >
                  {target.label}
                </button>
              ))
            )}
          </div>,
          document.body,
        )}
    </>
  );
}
