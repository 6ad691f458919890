/** Small line icons, one per operator category, drawn inline so the app needs no icon font or network. */
import { memo } from 'react';

const PATHS: Record<string, string> = {
  Sources:
    'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3Zm0 0v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3',
  Transform: 'M4 7h11m0 0-3-3m3 3-3 3M20 17H9m0 0 3-3m-3 3 3 3',
  Keyed: 'M14.5 9.5a4.5 4.5 0 1 1-9 0 4.5 4.5 0 0 1 9 0Zm-1.3 3.2L20 19.5M17.5 17l2-2',
  Windows: 'M4 5h7v14H4zM13 5h7v14h-7M4 12h16',
  Joins: 'M4 6h5c2 0 3 1.5 4 3l1 3m-10 6h5c2 0 3-1.5 4-3l1-3m0 0h6m-2-2 2 2-2 2',
  Sinks: 'M4 18c0 1.7 3.6 3 8 3s8-1.3 8-3V12M12 3v10m0 0-3.5-3.5M12 13l3.5-3.5',
};

function CategoryIconView({ category, size = 16 }: { category: string | null; size?: number }) {
  return (
    <svg className="category-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d={PATHS[category ?? ''] ?? 'M12 4v16M4 12h16'}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export const CategoryIcon = memo(CategoryIconView);

/** The CSS class that gives a category its accent colour. */
export function categoryClass(category: string | null): string {
  return `cat-${(category ?? 'unknown').toLowerCase()}`;
}
