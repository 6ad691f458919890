/** Toolbar icons, inline so the app needs no icon font or network. */
const ICONS = {
  undo: 'M9 14 4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11',
  redo: 'm15 14 5-5-5-5m5 5H9.5a5.5 5.5 0 0 0 0 11H13',
  layout: 'M3 5h6v5H3zM15 4h6v5h-6zM15 15h6v5h-6zM9 7.5h3v10h3M12 6.5h3',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  check: 'M20 6 9 17l-5-5',
  play: 'M7 4v16l13-8z',
  stop: 'M6 6h12v12H6z',
  rocket:
    'M5 15c-1.5 1.3-2 5-2 5s3.7-.5 5-2m7.5-11.5a2 2 0 1 1 0 .1M9 15l-3-3c1-3 3.5-6.5 9-8.5 1.5-.5 3.5-.6 5-.5.1 1.5 0 3.5-.5 5-2 5.5-5.5 8-8.5 9z',
  file: 'M14 3H6v18h12V7zM14 3v4h4',
  folder: 'M3 6h6l2 2h10v11H3z',
  upload: 'M12 16V4m0 0L7 9m5-5 5 5M4 20h16',
  download: 'M12 4v12m0 0-5-5m5 5 5-5M4 20h16',
  template: 'M4 4h16v5H4zM4 13h7v7H4zM15 13h5v7h-5',
} as const;

export type IconName = keyof typeof ICONS;

export function Icon({ name }: { name: IconName }) {
  return (
    <svg className="icon" width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        d={ICONS[name]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}
