/**
 * The inspector: the selected node's label, id, error policy and params (a form generated from its type's schema),
 * or the pipeline's own fields when nothing is selected.
 */
import { useCallback, useId } from 'react';
import { operatorFor } from '../../../shared/operators/registry.ts';
import { formatProblem, joinPath, type ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { NodeDoc } from '../../../shared/pipeline/types.ts';
import { useWeirStore, weirStore } from '../store/index.ts';
import { renameProblem } from '../store/operations.ts';
import { CategoryIcon, categoryClass } from '../canvas/CategoryIcon.tsx';
import { FieldEditor, problemsAt, shownProblemPaths } from './fields.tsx';
import { DraftInput, type Parsed } from './inputs.tsx';
import { PipelineForm } from './PipelineForm.tsx';
import { SourceSamplesSlot } from './SourceSamplesSlot.tsx';
import { InspectorResizer } from './InspectorResizer.tsx';
import { EdgeInspector, InputTypes } from './TypeView.tsx';
import type { EditorWarning } from '../code/edge-types.ts';

const EMPTY: readonly ValidationProblem[] = [];
const NO_WARNINGS: readonly EditorWarning[] = [];

/** Editor-only warnings (a field the samples do not have): the pipeline still validates and runs. */
function WarningList({ warnings }: { warnings: readonly EditorWarning[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="field__warnings" role="status" aria-label="Warnings">
      {warnings.map((w) => (
        <li key={`${w.path}:${w.message}`} title={w.path}>
          Warning: {w.message}
        </li>
      ))}
    </ul>
  );
}
const sealHistory = () => weirStore.getState().sealHistory();

function identity(id: string): string {
  return id;
}

function NodeIdField({ node, problems }: { node: NodeDoc; problems: readonly ValidationProblem[] }) {
  const id = useId();
  const parse = useCallback(
    (text: string): Parsed<string> => {
      const next = text.trim();
      const reason = renameProblem(weirStore.getState().document, node.id, next);
      return reason === null ? { ok: true, value: next } : { ok: false, message: reason };
    },
    [node.id],
  );
  return (
    <div className={`field${problems.length > 0 ? ' field--invalid' : ''}`}>
      <label className="field__label" htmlFor={id}>
        Id
      </label>
      <DraftInput<string>
        id={id}
        className="input input--mono"
        value={node.id}
        format={identity}
        parse={parse}
        commitOnBlur
        spellCheck={false}
        onCommit={(next) => weirStore.getState().renameNode(node.id, next)}
      />
      <p className="field__hint">State is bound to the id: keep it once the pipeline is deployed.</p>
      <ProblemList problems={problems} />
    </div>
  );
}

function ProblemList({ problems }: { problems: readonly ValidationProblem[] }) {
  if (problems.length === 0) return null;
  return (
    <ul className="field__problems">
      {problems.map((p) => (
        <li key={`${p.path}:${p.code}:${p.message}`}>{formatProblem(p)}</li>
      ))}
    </ul>
  );
}

function NodeInspector({ nodeId }: { nodeId: string }) {
  const { node, index } = useWeirStore((s) => {
    const i = s.document.nodes.findIndex((n) => n.id === nodeId);
    return { node: s.document.nodes[i], index: i };
  });
  const problems = useWeirStore((s) => s.problemsByNode[nodeId] ?? EMPTY);
  // TypeScript's warnings are listed under their code field; the rest (fields the samples lack) at the top.
  const warnings = useWeirStore((s) => s.warningsByNode[nodeId]?.filter((w) => w.kind !== 'type') ?? NO_WARNINGS);
  const labelId = useId();
  const onErrorId = useId();
  if (!node) return null;
  const definition = operatorFor(node.type);
  const base = `nodes[${index}]`;
  const paramsPath = `${base}.params`;
  const params = node.params ?? {};
  const set = (path: readonly string[], value: unknown, leaf: string) =>
    weirStore.getState().setNodeValue(nodeId, path, value, { coalesce: `${nodeId}:${leaf}` });

  const shown = {
    exact: new Set<string>([`${base}.id`, `${base}.label`, `${base}.onError`]),
    prefixes: [] as string[],
  };
  if (definition) shownProblemPaths(definition.params, params, paramsPath, shown);
  if (definition?.role === 'source') shown.prefixes.push(`${base}.samples`);
  const general = problems.filter(
    (p) =>
      !shown.exact.has(p.path) &&
      !shown.prefixes.some(
        (prefix) => p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`) || p.path === prefix,
      ),
  );

  return (
    <div className="inspector__body">
      <header className={`inspector__node-header ${categoryClass(definition?.category ?? null)}`}>
        <span className="inspector__node-icon">
          <CategoryIcon category={definition?.category ?? null} size={18} />
        </span>
        <div>
          <h2 className="inspector__title">{node.label ?? node.id}</h2>
          <p className="inspector__subtitle">
            {definition ? definition.label : `Unknown type “${node.type}”`} <code>{node.type}</code>
          </p>
        </div>
      </header>
      {definition && <p className="inspector__description">{definition.description}</p>}
      {general.length > 0 && (
        <div className="inspector__problems" role="alert">
          <ProblemList problems={general} />
        </div>
      )}
      <WarningList warnings={warnings} />

      <section className="inspector__section" aria-label="Node">
        <div className={`field${problemsAt(problems, `${base}.label`).length > 0 ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor={labelId}>
            Label<span className="field__optional">optional</span>
          </label>
          <input
            id={labelId}
            className="input"
            value={node.label ?? ''}
            placeholder={node.id}
            onChange={(e) => set(['label'], e.target.value === '' ? undefined : e.target.value, 'label')}
            onBlur={sealHistory}
          />
          <ProblemList problems={problemsAt(problems, `${base}.label`)} />
        </div>
        <NodeIdField node={node} problems={problemsAt(problems, `${base}.id`)} />
        {definition && definition.role !== 'sink' && (
          <div className={`field${problemsAt(problems, `${base}.onError`).length > 0 ? ' field--invalid' : ''}`}>
            <label className="field__label" htmlFor={onErrorId}>
              On error
            </label>
            <select
              id={onErrorId}
              className="input"
              value={node.onError ?? 'fail'}
              onChange={(e) => {
                set(['onError'], e.target.value, 'onError');
                sealHistory();
              }}
            >
              <option value="fail">fail — stop with the record and the message</option>
              <option value="skip">skip — count it and drop it</option>
              <option value="route">route — send it to the error port</option>
            </select>
            <ProblemList problems={problemsAt(problems, `${base}.onError`)} />
          </div>
        )}
      </section>

      {definition && Object.keys(definition.params).length > 0 && (
        <section className="inspector__section" aria-label="Parameters">
          <h3 className="inspector__section-title">Parameters</h3>
          {Object.entries(definition.params).map(([name, field]) => (
            <FieldEditor
              key={name}
              nodeId={nodeId}
              name={name}
              field={field}
              value={params[name]}
              path={['params', name]}
              problemPath={joinPath(paramsPath, name)}
              problems={problems}
              onChange={(value, leaf) => set(['params', name], value, leaf)}
              onBlur={sealHistory}
            />
          ))}
        </section>
      )}

      {definition && definition.inputs.length > 0 && (
        <section className="inspector__section" aria-label="Input">
          <InputTypes nodeId={nodeId} ports={definition.inputs.map((p) => p.name)} />
        </section>
      )}

      {definition?.role === 'source' && (
        <SourceSamplesSlot nodeId={nodeId} problems={problems.filter((p) => p.path.startsWith(`${base}.samples`))} />
      )}
    </div>
  );
}

export function Inspector() {
  const selected = useWeirStore((s) => s.selectedNodeIds);
  const selectedEdges = useWeirStore((s) => s.selectedEdgeIds.length);
  const onlyEdge = useWeirStore((s) =>
    s.selectedEdgeIds.length === 1 && s.selectedNodeIds.length === 0 ? s.selectedEdgeIds[0]! : null,
  );
  let body;
  if (onlyEdge !== null) body = <EdgeInspector key={onlyEdge} edgeId={onlyEdge} />;
  else if (selected.length === 1) body = <NodeInspector key={selected[0]} nodeId={selected[0]!} />;
  else if (selected.length > 1 || selectedEdges > 0)
    body = (
      <div className="inspector__body inspector__body--summary">
        <h2 className="inspector__title">
          {selected.length > 0 ? `${selected.length} nodes` : ''}
          {selected.length > 0 && selectedEdges > 0 ? ' and ' : ''}
          {selectedEdges > 0 ? `${selectedEdges} connection${selectedEdges === 1 ? '' : 's'}` : ''} selected
        </h2>
        <p className="inspector__description">Press Delete to remove them, or Ctrl+C to copy the nodes.</p>
      </div>
    );
  else body = <PipelineForm />;
  return (
    <aside className="inspector" aria-label="Inspector">
      <InspectorResizer />
      <div className="inspector__scroll">{body}</div>
    </aside>
  );
}
