/** A list that renders only the rows in view: errors and log lines can number in the thousands during a run. */
import { useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export interface VirtualListProps<T> {
  label: string;
  items: readonly T[];
  rowHeight: number;
  keyOf(item: T): string | number;
  row(item: T): ReactNode;
  className?: string;
}

export function VirtualList<T>({ label, items, rowHeight, keyOf, row, className = '' }: VirtualListProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  });
  return (
    <div className={`sim-vlist ${className}`} ref={scrollRef}>
      <ol aria-label={label} style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = items[v.index]!;
          return (
            <li
              key={keyOf(item)}
              style={{
                position: 'absolute',
                top: 0,
                left: 0,
                right: 0,
                height: rowHeight,
                transform: `translateY(${v.start}px)`,
              }}
            >
              {row(item)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
