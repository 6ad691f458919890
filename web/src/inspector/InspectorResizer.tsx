/**
 * The inspector's left edge, which drags to widen it (code reads better in a wider field). The width is a CSS
 * variable on the page (`--inspector-width`, read by the workspace grid) and is kept in localStorage for the next
 * visit. From the keyboard: the edge is a separator, ←/→ move it, Home/End go to the narrowest and widest, and a
 * double click (or Enter) puts it back.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';

export const INSPECTOR_WIDTH_KEY = 'weir.inspectorWidth';
export const DEFAULT_INSPECTOR_WIDTH = 360;
const MIN_WIDTH = 300;
/** Room kept for the palette and a usable canvas. */
const RESERVED = 248 + 360;
const STEP = 24;

function maxWidth(): number {
  return Math.max(MIN_WIDTH, Math.min(1200, window.innerWidth - RESERVED));
}

function clamp(width: number): number {
  return Math.round(Math.min(maxWidth(), Math.max(MIN_WIDTH, width)));
}

function storedWidth(): number {
  try {
    const stored = Number(localStorage.getItem(INSPECTOR_WIDTH_KEY));
    return Number.isFinite(stored) && stored > 0 ? clamp(stored) : DEFAULT_INSPECTOR_WIDTH;
  } catch {
    return DEFAULT_INSPECTOR_WIDTH;
  }
}

function store(width: number): void {
  try {
    if (width === DEFAULT_INSPECTOR_WIDTH) localStorage.removeItem(INSPECTOR_WIDTH_KEY);
    else localStorage.setItem(INSPECTOR_WIDTH_KEY, String(width));
  } catch {
    // Storage may be full or refused: the width then lasts for this visit.
  }
}

export function InspectorResizer() {
  const [width, setWidth] = useState(storedWidth);
  const drag = useRef<{ pointerId: number; startX: number; startWidth: number } | null>(null);

  useEffect(() => {
    document.documentElement.style.setProperty('--inspector-width', `${width}px`);
  }, [width]);

  const commit = (next: number) => {
    const w = clamp(next);
    setWidth(w);
    store(w);
  };
  const onPointerDown = (e: PointerEvent<HTMLHRElement>) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { pointerId: e.pointerId, startX: e.clientX, startWidth: width };
  };
  const onPointerMove = (e: PointerEvent<HTMLHRElement>) => {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    // The inspector sits on the right: dragging its left edge leftwards widens it.
    setWidth(clamp(d.startWidth + d.startX - e.clientX));
  };
  const onPointerUp = (e: PointerEvent<HTMLHRElement>) => {
    const d = drag.current;
    if (!d || d.pointerId !== e.pointerId) return;
    drag.current = null;
    commit(d.startWidth + d.startX - e.clientX);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLHRElement>) => {
    const next =
      e.key === 'ArrowLeft'
        ? width + STEP
        : e.key === 'ArrowRight'
          ? width - STEP
          : e.key === 'Home'
            ? MIN_WIDTH
            : e.key === 'End'
              ? maxWidth()
              : e.key === 'Enter'
                ? DEFAULT_INSPECTOR_WIDTH
                : null;
    if (next === null) return;
    e.preventDefault();
    commit(next);
  };

  return (
    <hr
      className="inspector-resizer"
      aria-orientation="vertical"
      aria-label="Inspector width"
      aria-valuenow={width}
      aria-valuemin={MIN_WIDTH}
      aria-valuemax={maxWidth()}
      tabIndex={0}
      title="Drag to widen the inspector (double-click: back to the default width)"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={() => commit(DEFAULT_INSPECTOR_WIDTH)}
      onKeyDown={onKeyDown}
    />
  );
}
