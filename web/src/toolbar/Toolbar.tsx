/**
 * The toolbar: the pipeline's name, documents (new, open, import, export, templates), editing (undo, redo,
 * auto-layout, fit view) and the three verbs of Weir: validate, simulate, deploy.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useWeirStore, weirStore } from '../store/index.ts';
import { documentSession } from '../documents/app-session.ts';
import { downloadPipeline } from '../documents/files.ts';
import { TEMPLATES } from '../documents/templates.ts';
import { DeployButton } from '../deploy/DeployButton.tsx';
import { Menu } from './Menu.tsx';
import { ANIMATED_FIT_OPTIONS } from '../canvas/fit.ts';
import { Icon, type IconName } from './icons.tsx';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl+';
const VERDICT_SHOWN_MS = 6000;

function ToolButton({
  icon,
  label,
  title,
  onClick,
  disabled,
  tone,
  children,
}: {
  icon: IconName;
  label: string;
  title?: string;
  onClick(): void;
  disabled?: boolean;
  tone?: 'primary';
  children?: ReactNode;
}) {
  return (
    <button
      type="button"
      className={`tool-button${tone ? ` tool-button--${tone}` : ''}`}
      onClick={onClick}
      disabled={disabled}
      title={title ?? label}
      aria-label={label}
    >
      <Icon name={icon} />
      <span className="tool-button__label">{label}</span>
      {children}
    </button>
  );
}

function PipelineName() {
  const name = useWeirStore((s) => s.document.name);
  return (
    <input
      className="pipeline-name"
      aria-label="Pipeline name"
      value={name}
      size={Math.min(Math.max(name.length, 12), 36)}
      spellCheck={false}
      onChange={(e) => weirStore.getState().setPipelineValue('name', e.target.value, { coalesce: 'pipeline:name' })}
      onBlur={() => weirStore.getState().sealHistory()}
    />
  );
}

function DocumentButtons() {
  const stored = useWeirStore((s) => s.storedPipelines);
  const currentKey = useWeirStore((s) => s.documentKey);
  const fileInput = useRef<HTMLInputElement>(null);
  const onFile = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    documentSession.importText(await file.text(), file.name);
    if (fileInput.current) fileInput.current.value = '';
  };
  return (
    <fieldset className="toolbar__group toolbar__group--documents" aria-label="Documents">
      <ToolButton icon="file" label="New" title="New pipeline" onClick={() => documentSession.newPipeline()} />
      <Menu label="Open">
        {(close) => (
          <>
            <div className="menu__heading">In this browser</div>
            {stored.length === 0 && (
              <p className="menu__empty">Nothing kept yet: a pipeline is kept here from its first edit.</p>
            )}
            {stored.map((entry) => (
              <div className={`menu__row${entry.key === currentKey ? ' is-current' : ''}`} key={entry.key}>
                <button
                  type="button"
                  role="menuitem"
                  className="menu__item"
                  onClick={() => {
                    documentSession.openStored(entry.key);
                    close();
                  }}
                >
                  <span>{entry.name || entry.id}</span>
                  <span className="menu__meta">
                    {entry.id} · {new Date(entry.updatedAt).toLocaleString()}
                  </span>
                </button>
                <button
                  type="button"
                  className="icon-button"
                  aria-label={`Delete ${entry.name || entry.id} from this browser`}
                  title="Delete from this browser"
                  onClick={() => documentSession.removeStored(entry.key)}
                >
                  ×
                </button>
              </div>
            ))}
            <div className="menu__separator" />
            <button
              type="button"
              role="menuitem"
              className="menu__item"
              onClick={() => {
                fileInput.current?.click();
                close();
              }}
            >
              Open a .weir.json file…
            </button>
          </>
        )}
      </Menu>
      <ToolButton
        icon="upload"
        label="Import"
        title="Import a .weir.json file"
        onClick={() => fileInput.current?.click()}
      />
      <ToolButton
        icon="download"
        label="Export"
        title="Download as <id>.weir.json"
        onClick={() => downloadPipeline(weirStore.getState().document)}
      />
      <Menu label="Templates" disabled={TEMPLATES.length === 0}>
        {(close) =>
          TEMPLATES.map((t) => (
            <button
              key={t.file}
              type="button"
              role="menuitem"
              className="menu__item"
              onClick={() => {
                documentSession.openTemplate(t.doc);
                close();
              }}
            >
              <span>{t.doc.name}</span>
              {t.doc.description && <span className="menu__meta">{t.doc.description}</span>}
            </button>
          ))
        }
      </Menu>
      <input
        ref={fileInput}
        type="file"
        accept=".json,.weir.json,application/json"
        hidden
        aria-label="Pipeline file"
        onChange={(e) => void onFile(e.target.files)}
      />
    </fieldset>
  );
}

function EditButtons() {
  const { canUndo, canRedo, hasNodes } = useWeirStore((s) => ({
    canUndo: s.past.length > 0,
    canRedo: s.future.length > 0,
    hasNodes: s.document.nodes.length > 0,
  }));
  const { fitView } = useReactFlow();
  return (
    <fieldset className="toolbar__group toolbar__group--edit" aria-label="Edit">
      <ToolButton
        icon="undo"
        label="Undo"
        title={`Undo (${MOD}Z)`}
        disabled={!canUndo}
        onClick={() => weirStore.getState().undo()}
      />
      <ToolButton
        icon="redo"
        label="Redo"
        title={`Redo (${isMac ? '⇧⌘Z' : 'Ctrl+Y'})`}
        disabled={!canRedo}
        onClick={() => weirStore.getState().redo()}
      />
      <ToolButton
        icon="layout"
        label="Auto-layout"
        title="Arrange the graph left to right"
        disabled={!hasNodes}
        onClick={() => {
          weirStore.getState().autoLayout();
          setTimeout(() => void fitView(ANIMATED_FIT_OPTIONS), 30);
        }}
      />
      <ToolButton
        icon="fit"
        label="Fit view"
        title="Show the whole graph"
        disabled={!hasNodes}
        onClick={() => void fitView(ANIMATED_FIT_OPTIONS)}
      />
    </fieldset>
  );
}

function RunButtons() {
  const status = useWeirStore((s) => s.simulationStatus);
  const [verdict, setVerdict] = useState<{ count: number; at: number } | null>(null);
  const problemCount = useWeirStore((s) => s.problems.length);
  useEffect(() => {
    if (!verdict) return;
    const timer = setTimeout(() => setVerdict(null), VERDICT_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [verdict]);
  const validate = () => {
    const { problems, showPanel } = weirStore.getState();
    setVerdict({ count: problems.length, at: Date.now() });
    showPanel('problems');
  };
  const running = status === 'running';
  return (
    <fieldset className="toolbar__group toolbar__group--run" aria-label="Run">
      {verdict && (
        <span
          className={`verdict ${problemCount === 0 ? 'verdict--ok' : 'verdict--bad'}`}
          role="status"
          key={verdict.at}
        >
          {problemCount === 0 ? 'Valid' : `${problemCount} problem${problemCount === 1 ? '' : 's'}`}
        </span>
      )}
      <ToolButton icon="check" label="Validate" title="Check the pipeline as weir validate does" onClick={validate} />
      {running ? (
        <ToolButton
          icon="stop"
          label="Stop"
          title="Stop the simulation"
          onClick={() => weirStore.getState().cancelSimulation()}
        />
      ) : (
        <ToolButton
          icon="play"
          label="Simulate"
          title="Run the pipeline on its samples"
          onClick={() => weirStore.getState().runSimulation()}
        />
      )}
      <DeployButton />
    </fieldset>
  );
}

export function Toolbar() {
  return (
    <header className="toolbar">
      <div className="toolbar__brand">
        <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="7" fill="#1b2431" />
          <path
            d="M4 12c3-3.5 6-3.5 9 0s6 3.5 9 0 4-2 6-1"
            fill="none"
            stroke="#4fb3ff"
            strokeWidth="2.4"
            strokeLinecap="round"
          />
          <rect x="6" y="18" width="20" height="7" rx="1.5" fill="#4fb3ff" opacity="0.85" />
        </svg>
        <span>Weir</span>
      </div>
      <PipelineName />
      <DocumentButtons />
      <div className="toolbar__spacer" />
      <EditButtons />
      <RunButtons />
    </header>
  );
}
