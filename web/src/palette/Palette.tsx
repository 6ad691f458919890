/**
 * The operator palette, read from the registry: one entry per operator type, grouped by category, filtered by a
 * search box. Drag an entry onto the canvas, or press Enter (or click) to add it next to the graph.
 */
import { memo, useMemo, useState, type DragEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import { OPERATOR_LIST } from '../../../shared/operators/registry.ts';
import type { OperatorCategory, OperatorDefinition } from '../../../shared/operators/types.ts';
import { weirStore } from '../store/index.ts';
import { OPERATOR_MIME } from '../canvas/dnd.ts';
import { CategoryIcon, categoryClass } from '../canvas/CategoryIcon.tsx';
import { placementForNewNode } from './placement.ts';

const CATEGORY_ORDER: readonly OperatorCategory[] = ['Sources', 'Transform', 'Keyed', 'Windows', 'Joins', 'Sinks'];

function matches(def: OperatorDefinition, query: string): boolean {
  if (query === '') return true;
  const q = query.toLowerCase();
  return [def.label, def.type, def.description, def.category].some((text) => text.toLowerCase().includes(q));
}

const PaletteItem = memo(function PaletteItem({
  def,
  onAdd,
}: {
  def: OperatorDefinition;
  onAdd: (type: string) => void;
}) {
  const onDragStart = (e: DragEvent) => {
    e.dataTransfer.setData(OPERATOR_MIME, def.type);
    e.dataTransfer.setData('text/plain', def.label);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const descriptionId = `palette-${def.type}-description`;
  return (
    <li className={`palette-item ${categoryClass(def.category)}`}>
      <button
        type="button"
        className="palette-item__button"
        draggable
        onDragStart={onDragStart}
        onClick={() => onAdd(def.type)}
        aria-label={def.label}
        aria-describedby={descriptionId}
        data-operator-type={def.type}
      >
        <span className="palette-item__icon">
          <CategoryIcon category={def.category} />
        </span>
        <span className="palette-item__text">
          <span className="palette-item__label">{def.label}</span>
          <span className="palette-item__description" id={descriptionId}>
            {def.description}
          </span>
        </span>
      </button>
    </li>
  );
});

export function Palette() {
  const [query, setQuery] = useState('');
  const { getViewport } = useReactFlow();
  const groups = useMemo(() => {
    const q = query.trim();
    const categories = [
      ...CATEGORY_ORDER,
      ...new Set(OPERATOR_LIST.map((d) => d.category).filter((c) => !CATEGORY_ORDER.includes(c))),
    ];
    return categories
      .map((category) => ({ category, items: OPERATOR_LIST.filter((d) => d.category === category && matches(d, q)) }))
      .filter((g) => g.items.length > 0);
  }, [query]);

  const add = (type: string) => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const state = weirStore.getState();
    state.addNode(type, placementForNewNode(state.flowNodes, state.selectedNodeIds, getViewport(), canvas));
  };

  return (
    <aside className="palette" aria-label="Operators">
      <div className="palette__search">
        <input
          type="search"
          placeholder="Search operators"
          aria-label="Search operators"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <div className="palette__groups">
        {groups.map((g) => (
          <section key={g.category} className="palette__group" aria-label={g.category}>
            <h2 className="palette__heading">{g.category}</h2>
            <ul className="palette__list">
              {g.items.map((def) => (
                <PaletteItem key={def.type} def={def} onAdd={add} />
              ))}
            </ul>
          </section>
        ))}
        {groups.length === 0 && <p className="palette__none">No operator matches “{query}”.</p>}
      </div>
      <p className="palette__hint">Drag onto the canvas, or press Enter to add.</p>
    </aside>
  );
}
