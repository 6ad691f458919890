/** What an empty canvas says to someone who has never used Weir: where to start. */
import { useReactFlow } from '@xyflow/react';
import { OPERATOR_LIST } from '../../../shared/operators/registry.ts';
import { weirStore } from '../store/index.ts';
import { TEMPLATES } from '../documents/templates.ts';
import { documentSession } from '../documents/app-session.ts';

/** The type the "add a source" button drops: the palette's first source. */
const FIRST_SOURCE = OPERATOR_LIST.find((d) => d.role === 'source')!.type;

export function EmptyCanvas() {
  const { screenToFlowPosition } = useReactFlow();
  const addSource = () => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const at = canvas
      ? screenToFlowPosition({ x: canvas.left + canvas.width * 0.2, y: canvas.top + canvas.height * 0.4 })
      : { x: 0, y: 0 };
    weirStore.getState().addNode(FIRST_SOURCE, at);
  };
  return (
    <div className="empty-canvas">
      <section className="empty-canvas__card" aria-label="Getting started">
        <h2>Build your first pipeline</h2>
        <ol>
          <li>
            Drag a <strong>Kafka source</strong> from the palette onto the canvas.
          </li>
          <li>
            Add operators such as Filter, Key by and Window, and connect their ports by dragging from an output to an
            input.
          </li>
          <li>
            Give the source a few samples and press <strong>Simulate</strong> to watch records flow.
          </li>
        </ol>
        <div className="empty-canvas__actions">
          <button type="button" className="button button--primary" onClick={addSource}>
            Add a Kafka source
          </button>
        </div>
        {TEMPLATES.length > 0 && (
          <div className="empty-canvas__templates">
            <h3>Or start from a template</h3>
            <ul>
              {TEMPLATES.map((t) => (
                <li key={t.file}>
                  <button type="button" className="template-link" onClick={() => documentSession.openTemplate(t.doc)}>
                    <span className="template-link__name">{t.doc.name}</span>
                    {t.doc.description && <span className="template-link__description">{t.doc.description}</span>}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>
    </div>
  );
}
