/**
 * What a deployment derives from its pipeline document before running it: the dead-letter routing of sources, the
 * topics it reads and writes, and which snapshot state a new version can keep (SPEC §6).
 */
import type { EngineSnapshot } from '../../../shared/engine/engine.ts';
import { restoreProblems } from '../../../shared/engine/engine.ts';
import { roleOf } from '../../../shared/operators/registry.ts';
import { kafkaSink, type KafkaSinkParams } from '../../../shared/operators/sink-kafka.ts';
import {
  edgeFromPort,
  settingsOf,
  type Delivery,
  type NodeDoc,
  type PipelineDoc,
} from '../../../shared/pipeline/types.ts';
import { deadLetterTopic } from '../kafka/topics.ts';

/** Node ids of the dead-letter sinks a deployment adds; `$` never appears in an author's node id (SPEC §1). */
const DLQ_PREFIX = '$dlq:';

export function isSyntheticNode(id: string): boolean {
  return id.startsWith(DLQ_PREFIX);
}

export interface SourceInfo {
  id: string;
  topic: string;
  fromBeginning: boolean;
}

export interface SinkInfo {
  id: string;
  topic: string;
  json: boolean;
}

export interface DeploymentPlan {
  /** The document the engine runs: the author's, plus a dead-letter sink per source that routes errors nowhere. */
  pipeline: PipelineDoc;
  delivery: Delivery;
  checkpointIntervalMs: number;
  sources: SourceInfo[];
  /** Sinks by node id, dead-letter sinks included. */
  sinks: Map<string, SinkInfo>;
}

/**
 * A source whose `onError` is `route` but whose `error` port feeds nothing sends its errors to the dead-letter topic
 * `<pipelineId>.dlq` (SPEC §5 routes to the error port; with no edge there, a deployment keeps the record rather than
 * drop it). Other nodes' unconnected error ports drop, as in simulation.
 */
export function planDeployment(doc: PipelineDoc): DeploymentPlan {
  const settings = settingsOf(doc);
  const nodes: NodeDoc[] = [...doc.nodes];
  const edges = [...doc.edges];
  const sources: SourceInfo[] = [];
  const sinks = new Map<string, SinkInfo>();
  for (const node of doc.nodes) {
    const params = node.params as Record<string, unknown>;
    const role = roleOf(node.type);
    if (role === 'source') {
      sources.push({ id: node.id, topic: params.topic as string, fromBeginning: params.startFrom !== 'latest' });
      const routesNowhere =
        node.onError === 'route' && !doc.edges.some((e) => e.from === node.id && edgeFromPort(e) === 'error');
      if (routesNowhere) {
        const id = DLQ_PREFIX + node.id;
        const topic = deadLetterTopic(doc.id);
        const sinkParams: KafkaSinkParams = { topic, valueFormat: 'json', key: 'record' };
        nodes.push({ id, type: kafkaSink.type, params: sinkParams });
        edges.push({ from: node.id, fromPort: 'error', to: id });
        sinks.set(id, { id, topic, json: true });
      }
    } else if (role === 'sink') {
      sinks.set(node.id, { id: node.id, topic: params.topic as string, json: params.valueFormat !== 'text' });
    }
  }
  return {
    pipeline: { ...doc, nodes, edges },
    delivery: settings.delivery,
    checkpointIntervalMs: settings.checkpointIntervalMs,
    sources,
    sinks,
  };
}

export interface StateProblems {
  /** Node ids with state that the new pipeline does not have. */
  removed: string[];
  /** `id (old → new)` of nodes whose type changed. */
  retyped: string[];
}

/** The author-visible state a restore of `snapshot` into `doc` cannot keep; dead-letter sinks hold none. */
export function stateProblems(doc: PipelineDoc, snapshot: Pick<EngineSnapshot, 'nodes'>): StateProblems {
  const { unknown, retyped } = restoreProblems(doc, snapshot as EngineSnapshot);
  return { removed: unknown.filter((id) => !isSyntheticNode(id)), retyped };
}

/** The node ids and types a pipeline's snapshot has: enough to check an upgrade before stopping the old version. */
export function snapshotShape(doc: PipelineDoc): Pick<EngineSnapshot, 'nodes'> {
  const nodes: EngineSnapshot['nodes'] = {};
  for (const node of doc.nodes) nodes[node.id] = { type: node.type, watermark: null, channels: {}, state: null };
  return { nodes };
}

/**
 * The snapshot restricted to the state `doc` keeps: nodes it still has with the same type, minus sources that now
 * read another topic (their offsets and watermarks belong to the old one).
 */
export function keepableSnapshot(
  doc: PipelineDoc,
  snapshot: EngineSnapshot,
  previousSources: Record<string, string>,
): EngineSnapshot {
  const types = new Map(doc.nodes.map((n) => [n.id, n]));
  const nodes: EngineSnapshot['nodes'] = {};
  for (const [id, node] of Object.entries(snapshot.nodes)) {
    const current = types.get(id);
    if (!current || current.type !== node.type) continue;
    if (
      roleOf(current.type) === 'source' &&
      previousSources[id] !== undefined &&
      previousSources[id] !== (current.params as { topic?: unknown }).topic
    )
      continue;
    nodes[id] = node;
  }
  return { ...snapshot, nodes };
}
