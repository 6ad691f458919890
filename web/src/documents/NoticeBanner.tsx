/**
 * One message about the last document action (an import with problems, a file that could not be read). Good news
 * goes away by itself; problems stay until dismissed.
 */
import { useEffect } from 'react';
import { useWeirStore, weirStore } from '../store/index.ts';

const SUCCESS_SHOWN_MS = 4000;
const SHOWN_LINES = 3;

export function NoticeBanner() {
  const notice = useWeirStore((s) => s.notice);
  useEffect(() => {
    if (notice?.tone !== 'success') return;
    const timer = setTimeout(() => {
      if (weirStore.getState().notice === notice) weirStore.getState().showNotice(null);
    }, SUCCESS_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  if (!notice) return null;
  return (
    <div className={`notice notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
      <div className="notice__body">
        <strong>{notice.title}</strong>
        {notice.lines && notice.lines.length > 0 && (
          <ul className="notice__lines">
            {notice.lines.slice(0, SHOWN_LINES).map((line, i) => (
              <li key={i}>{line}</li>
            ))}
            {notice.lines.length > SHOWN_LINES && (
              <li>… and {notice.lines.length - SHOWN_LINES} more in the problems list below</li>
            )}
          </ul>
        )}
      </div>
      <button
        type="button"
        className="icon-button"
        aria-label="Dismiss"
        onClick={() => weirStore.getState().showNotice(null)}
      >
        ×
      </button>
    </div>
  );
}
