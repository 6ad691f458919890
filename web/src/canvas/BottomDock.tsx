/**
 * Panels below the canvas, one open at a time: the problems list, and the samples of the selected source. A second
 * click on the open tab folds the dock away.
 */
import {
  useCallback,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type PointerEvent,
  type ReactElement,
} from 'react';
import { roleOf } from '../../../shared/operators/registry.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { ProblemsPanel } from '../inspector/ProblemsPanel.tsx';
import { SamplesPanel } from '../samples/SamplesPanel.tsx';
import { SimulationPanel } from '../simulation/views/SimulationPanel.tsx';

function selectedSource(s: ReturnType<typeof weirStore.getState>): string | null {
  if (s.selectedNodeIds.length !== 1) return null;
  const node = s.document.nodes.find((n) => n.id === s.selectedNodeIds[0]);
  return node && roleOf(node.type) === 'source' ? node.id : null;
}

const MIN_HEIGHT = 120;
const KEY_STEP = 24;

/** The top edge of the dock: drag it (or use the arrow keys) to give the panels or the canvas more room. */
function useDockHeight(): { height: number | null; resizer: ReactElement } {
  const [height, setHeight] = useState<number | null>(null);
  const maxHeight = (dock: HTMLElement) =>
    (dock.parentElement?.getBoundingClientRect().height ?? window.innerHeight) - 120;
  const clamp = (h: number, dock: HTMLElement) => Math.round(Math.min(Math.max(h, MIN_HEIGHT), maxHeight(dock)));
  // The separator's value, for assistive technology: the dock's height as drawn (CSS decides it until a drag does).
  const [drawn, setDrawn] = useState({ now: 0, max: 0 });
  const observe = useCallback((separator: HTMLHRElement | null) => {
    const dock = separator?.parentElement;
    if (!dock) return;
    const observer = new ResizeObserver(() =>
      setDrawn({ now: Math.round(dock.getBoundingClientRect().height), max: Math.round(maxHeight(dock)) }),
    );
    observer.observe(dock);
    return () => observer.disconnect();
  }, []);
  const onPointerDown = (e: PointerEvent<HTMLHRElement>) => {
    const dock = e.currentTarget.parentElement!;
    const startY = e.clientY;
    const startHeight = dock.getBoundingClientRect().height;
    const onMove = (m: globalThis.PointerEvent) => setHeight(clamp(startHeight + startY - m.clientY, dock));
    const onUp = () => {
      window.removeEventListener('pointermove', onMove);
      window.removeEventListener('pointerup', onUp);
    };
    window.addEventListener('pointermove', onMove);
    window.addEventListener('pointerup', onUp);
    e.preventDefault();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLHRElement>) => {
    if (e.key !== 'ArrowUp' && e.key !== 'ArrowDown') return;
    const dock = e.currentTarget.parentElement!;
    setHeight(clamp(dock.getBoundingClientRect().height + (e.key === 'ArrowUp' ? KEY_STEP : -KEY_STEP), dock));
    e.preventDefault();
  };
  const resizer = (
    <hr
      ref={observe}
      className="dock__resizer"
      aria-orientation="horizontal"
      aria-label="Resize panels"
      aria-valuenow={drawn.now}
      aria-valuemin={MIN_HEIGHT}
      aria-valuemax={Math.max(MIN_HEIGHT, drawn.max)}
      tabIndex={0}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
    />
  );
  return { height, resizer };
}

export function BottomDock() {
  const { height, resizer } = useDockHeight();
  const { panel, problemCount, warningCount, source } = useWeirStore((s) => ({
    panel: s.bottomPanel,
    problemCount: s.problems.length,
    warningCount: s.warnings.length,
    source: selectedSource(s),
  }));
  const show = (name: string) => weirStore.getState().showPanel(panel === name ? null : name);
  const visible = panel === 'samples' && source === null ? 'problems' : panel;
  return (
    <section
      className={`dock${visible ? ' dock--open' : ''}${visible === 'samples' || visible === 'simulation' ? ' dock--tall' : ''}`}
      aria-label="Panels"
      style={height === null ? undefined : ({ '--dock-height': `${height}px` } as CSSProperties)}
    >
      {visible && resizer}
      <div className="dock__tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={visible === 'problems'}
          className="dock__tab"
          onClick={() => show('problems')}
        >
          Problems
          <span
            className={`dock__count${problemCount > 0 ? ' dock__count--bad' : ''}`}
            role="img"
            aria-label={`${problemCount} problems`}
          >
            {problemCount}
          </span>
          {warningCount > 0 && (
            <span
              className="dock__count dock__count--warn"
              role="img"
              aria-label={`${warningCount} warnings`}
              title="Warnings: the pipeline runs, but probably not as meant"
            >
              {warningCount}
            </span>
          )}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={visible === 'simulation'}
          className="dock__tab"
          onClick={() => show('simulation')}
        >
          Simulation
        </button>
        {source !== null && (
          <button
            type="button"
            role="tab"
            aria-selected={visible === 'samples'}
            className="dock__tab"
            onClick={() => show('samples')}
          >
            Samples <span className="dock__tab-detail">{source}</span>
          </button>
        )}
      </div>
      {visible === 'problems' && (
        <div className="dock__panel" role="tabpanel" aria-label="Problems">
          <ProblemsPanel />
        </div>
      )}
      {visible === 'simulation' && (
        <div className="dock__panel" role="tabpanel" aria-label="Simulation">
          <SimulationPanel />
        </div>
      )}
      {visible === 'samples' && source !== null && (
        <div className="dock__panel" role="tabpanel" aria-label="Samples">
          <SamplesPanel key={source} nodeId={source} />
        </div>
      )}
    </section>
  );
}
