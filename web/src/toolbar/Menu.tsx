/** A button that opens a small menu below it; Escape or a click elsewhere closes it. */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

export function Menu({
  label,
  children,
  disabled,
}: {
  label: string;
  children: (close: () => void) => ReactNode;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (!open) return;
    const onPointer = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);
  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        className="tool-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        onClick={() => setOpen((o) => !o)}
      >
        {label}
        <span className="tool-button__caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div className="menu__popup" role="menu" id={menuId} aria-label={label}>
          {children(() => setOpen(false))}
        </div>
      )}
    </div>
  );
}
