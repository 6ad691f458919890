/** The live output of one sink: the newest records its topic received (committed ones only), newest first. */
import { useState } from 'react';
import { TAIL_LIMIT, useSinkTail } from './hooks.ts';
import { formatCount, formatTimestamp, preview } from './format.ts';

export function SinkTail({ deploymentId, sinkId, topic }: { deploymentId: string; sinkId: string; topic: string }) {
  const [paused, setPaused] = useState(false);
  const tail = useSinkTail(deploymentId, sinkId, paused);
  return (
    <div className="sink-tail" role="tabpanel" aria-label={`Records written to ${topic}`}>
      <div className="sink-tail__bar">
        <span className="sink-tail__state">
          {paused
            ? 'paused'
            : tail.stream === 'open'
              ? `live · last ${TAIL_LIMIT} records`
              : tail.stream === 'closed'
                ? 'disconnected'
                : 'connecting…'}
        </span>
        {tail.skipped > 0 && (
          <span className="sink-tail__skipped">
            {formatCount(tail.skipped)} records skipped (output faster than this page reads)
          </span>
        )}
        <button type="button" className="button" onClick={() => setPaused((p) => !p)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="button" onClick={tail.clear} disabled={tail.records.length === 0}>
          Clear
        </button>
      </div>
      {tail.ended && (
        <p className="sink-tail__ended" role="alert">
          {tail.ended}
        </p>
      )}
      {tail.records.length === 0 ? (
        <p className="sink-tail__empty">No records yet. Output appears here when a checkpoint commits it.</p>
      ) : (
        <ol className="sink-tail__records">
          {tail.records.map((r) => (
            <li
              key={`${r.partition}:${r.offset}`}
              className="tail-record"
              title={`partition ${r.partition}, offset ${r.offset}`}
            >
              <span className="tail-record__time">{formatTimestamp(r.timestamp)}</span>
              <span className="tail-record__key">{preview(r.key, 60)}</span>
              <span className="tail-record__value">{preview(r.value)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
