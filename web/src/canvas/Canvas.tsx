/**
 * The graph canvas. React Flow draws nodes and edges derived from the document and reports changes, which the
 * store applies as data (STYLE 9); nothing here keeps its own copy of the graph.
 */
import { useCallback, useEffect, useRef, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
} from '@xyflow/react';
import { useWeirStore, weirStore } from '../store/index.ts';
import { connectionProblem, portKindProblem, type ConnectionRequest } from '../store/graph.ts';
import type { Notice } from '../store/documents-slice.ts';
import type { OperatorFlowNode } from '../store/flow.ts';
import { OperatorNode } from './OperatorNode.tsx';
import { PortEdge } from './PortEdge.tsx';
import { EmptyCanvas } from './EmptyCanvas.tsx';
import { DROP_GRAB, OPERATOR_MIME } from './dnd.ts';
import { categoryClass } from './CategoryIcon.tsx';
import { DEFAULT_ZOOM, FIT_MIN_ZOOM, FIT_OPTIONS, MINIMAP_SIZE } from './fit.ts';
import { NODE_WIDTH } from '../store/layout.ts';

const nodeTypes = { operator: OperatorNode };
const edgeTypes = { port: PortEdge };
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const DEFAULT_VIEWPORT = { x: 0, y: 0, zoom: DEFAULT_ZOOM };

function request(c: Connection | Edge): ConnectionRequest {
  return { from: c.source, fromPort: c.sourceHandle ?? 'out', to: c.target, toPort: c.targetHandle ?? 'in' };
}

const isValidConnection = (c: Connection | Edge) =>
  connectionProblem(weirStore.getState().document, request(c)) === null;

/** The last refusal shown, so that the next connection that is made takes its message away. */
let refusal: Notice | null = null;

function refuse(reason: string): void {
  refusal = { tone: 'error', title: reason };
  weirStore.getState().showNotice(refusal);
}

function onConnect(c: Connection): void {
  const state = weirStore.getState();
  const reason = state.connect(request(c));
  if (reason !== null) return refuse(reason);
  if (refusal !== null && state.notice === refusal) state.showNotice(null);
  refusal = null;
}

/**
 * A connection dropped on a port that does not take it is refused by `isValidConnection` while dragging, and React
 * Flow then ends the drag silently: say why, so the author is not left guessing (a cycle, two outputs, a repeat).
 */
function onConnectEnd(_event: MouseEvent | TouchEvent, state: FinalConnectionState): void {
  const { fromHandle, toHandle } = state;
  if (state.isValid !== false || !fromHandle || !toHandle) return;
  if (fromHandle.nodeId === toHandle.nodeId && fromHandle.id === toHandle.id && fromHandle.type === toHandle.type)
    return;
  const kind = portKindProblem(fromHandle.type, toHandle.type);
  if (kind !== null) return refuse(kind);
  const [out, into] = fromHandle.type === 'source' ? [fromHandle, toHandle] : [toHandle, fromHandle];
  const reason = connectionProblem(weirStore.getState().document, {
    from: out.nodeId,
    fromPort: out.id ?? 'out',
    to: into.nodeId,
    toPort: into.id ?? 'in',
  });
  if (reason !== null) refuse(reason);
}
const beginDrag = () => weirStore.getState().beginDrag();
const miniMapColor = (node: OperatorFlowNode) => `var(--${categoryClass(node.data.category)})`;

export function Canvas() {
  const { nodes, edges, onNodesChange, onEdgesChange, empty } = useWeirStore((s) => ({
    nodes: s.flowNodes,
    edges: s.flowEdges,
    onNodesChange: s.applyNodeChanges,
    onEdgesChange: s.applyEdgeChanges,
    empty: s.document.nodes.length === 0,
  }));
  const focusRequest = useWeirStore((s) => s.focusRequest);
  const documentKey = useWeirStore((s) => s.documentKey);
  const { screenToFlowPosition, fitView, setCenter, getZoom } = useReactFlow();

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(OPERATOR_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(OPERATOR_MIME);
      if (!type) return;
      e.preventDefault();
      const at = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      weirStore.getState().addNode(type, { x: at.x - DROP_GRAB.x, y: at.y - DROP_GRAB.y });
    },
    [screenToFlowPosition],
  );

  // A newly opened document is shown whole once React Flow has measured its nodes (loading clears the sizes, so
  // "all measured" means measured anew); an empty one keeps the viewport, so the first node lands where dropped.
  const pendingFit = useRef(false);
  const allMeasured = useWeirStore((s) => s.document.nodes.every((n) => s.measured[n.id] !== undefined));
  useEffect(() => {
    pendingFit.current = weirStore.getState().document.nodes.length > 0;
  }, [documentKey]);
  useEffect(() => {
    if (!pendingFit.current || !allMeasured) return;
    const frame = requestAnimationFrame(() => {
      pendingFit.current = false;
      void fitView(FIT_OPTIONS);
    });
    return () => cancelAnimationFrame(frame);
  }, [documentKey, allMeasured, fitView]);

  // Bring the node to the middle at a readable zoom, without zooming in further than the user had.
  useEffect(() => {
    if (!focusRequest) return;
    const target = weirStore.getState().flowNodes.find((n) => n.id === focusRequest.nodeId);
    if (!target) return;
    const width = target.measured?.width ?? NODE_WIDTH;
    const height = target.measured?.height ?? 100;
    void setCenter(target.position.x + width / 2, target.position.y + height / 2, {
      zoom: Math.max(getZoom(), 0.8),
      duration: 300,
    });
    document
      .querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(focusRequest.nodeId)}"]`)
      ?.focus({ preventScroll: true });
  }, [focusRequest, setCenter, getZoom]);

  return (
    // A landmark around the graph; it takes the operators dragged from the palette (which adds them with Enter too).
    <section className="canvas" aria-label="Pipeline canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={beginDrag}
        onSelectionDragStart={beginDrag}
        deleteKeyCode={null}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        defaultViewport={DEFAULT_VIEWPORT}
        minZoom={Math.min(0.4, FIT_MIN_ZOOM)}
        maxZoom={2}
        snapToGrid
        snapGrid={[8, 8]}
        colorMode="dark"
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} />
        {/* Both sit in the strip along the bottom edge that fit view leaves free (fit.ts), so they never cover a node. */}
        <Controls
          showInteractive={false}
          fitViewOptions={FIT_OPTIONS}
          orientation="horizontal"
          position="bottom-left"
        />
        {!empty && (
          <MiniMap
            pannable
            zoomable
            position="bottom-right"
            nodeColor={miniMapColor}
            nodeStrokeWidth={0}
            ariaLabel="Pipeline overview"
            style={MINIMAP_SIZE}
          />
        )}
      </ReactFlow>
      {empty && <EmptyCanvas />}
    </section>
  );
}
