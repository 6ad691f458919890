/**
 * The changelog of a deployment (DESIGN "The server"; SPEC §6): a compacted, single-partition topic
 * `<pipelineId>.changelog` that holds the state of the last completed checkpoint.
 *
 * Layout. Each node's snapshot (engine `NodeSnapshot`, JSON) is stored as pieces of at most `PIECE_BYTES` under the
 * keys `n/<checkpoint>/<nodeId>/<piece>`, the checkpoint being the one that wrote them. The marker, key
 * `checkpoint`, is written after them and names, for every node, the checkpoint whose pieces hold its state now,
 * plus the input offsets and the snapshot's head. A checkpoint writes only the nodes whose state changed since the
 * one before (same content hash: nothing written), then its marker, then tombstones for the pieces no marker needs
 * any more. Keys never repeat (a new checkpoint id is larger than every id seen), so compaction keeps each piece
 * until its tombstone, and a reader that finds the latest marker finds all of its pieces.
 *
 * Why it is safe under both delivery modes: with exactly-once the three parts go in one transaction, so a
 * read_committed reader sees all or none. With at-least-once they are written in that order to one partition, so
 * a crash leaves the previous marker and every piece it names intact (the tombstones come last); pieces of the
 * torn checkpoint are garbage that the next checkpoint deletes.
 */
import { createHash } from 'node:crypto';
import type { Message } from 'kafkajs';
import type { EngineSnapshot, NodeSnapshot } from '../../../shared/engine/engine.ts';
import type { Json } from '../../../shared/pipeline/types.ts';

export const CHANGELOG_FORMAT = 'weir-changelog/v1';
export const MARKER_KEY = 'checkpoint';
/** Pieces stay well below a broker's default `max.message.bytes` (1 MiB). */
export const PIECE_BYTES = 256 * 1024;

/** Next offset to read, by topic and partition. */
export type InputOffsets = Record<string, Record<string, number>>;

export interface NodeEntry {
  /** The checkpoint whose pieces hold this node's state. */
  checkpoint: number;
  pieces: number;
  bytes: number;
  /** sha1 of the node's JSON, to skip writing unchanged state. */
  hash: string;
}

export interface CheckpointMarker {
  format: typeof CHANGELOG_FORMAT;
  id: number;
  pipelineId: string;
  /** Epoch ms when the checkpoint was taken. */
  at: number;
  head: Omit<EngineSnapshot, 'nodes'>;
  nodes: Record<string, NodeEntry>;
  /** Input positions covered by this state: what a restore resumes from. */
  offsets: InputOffsets;
  /** Source node id → topic it read, so a source whose topic changed starts afresh. */
  sources: Record<string, string>;
  /** Per-node record counts up to this checkpoint, so metrics survive restarts. */
  counts: Json;
}

export interface RestoredCheckpoint {
  marker: CheckpointMarker;
  snapshot: EngineSnapshot;
}

export interface CheckpointPlan {
  id: number;
  /** Pieces, then the marker, then tombstones: the order matters (see above). */
  messages: Message[];
  marker: CheckpointMarker;
  /** Size of the whole state as JSON. */
  stateBytes: number;
  /** Bytes written to the changelog by this checkpoint. */
  writtenBytes: number;
}

export function pieceKey(checkpoint: number, nodeId: string, piece: number): string {
  return `n/${checkpoint}/${nodeId}/${piece}`;
}

function parsePieceKey(key: string): { checkpoint: number; nodeId: string; piece: number } | null {
  const parts = key.split('/');
  if (parts.length !== 4 || parts[0] !== 'n') return null;
  const checkpoint = Number(parts[1]);
  const piece = Number(parts[3]);
  if (!Number.isSafeInteger(checkpoint) || !Number.isSafeInteger(piece)) return null;
  return { checkpoint, nodeId: parts[2]!, piece };
}

/**
 * What the writer knows about its changelog: the nodes of the last committed marker and the keys to delete. One per
 * deployment run; `plan` then `committed` for each checkpoint, in order.
 */
export class Changelog {
  readonly pipelineId: string;

  private nodes: Record<string, NodeEntry> = {};
  /** Piece keys no committed marker needs: tombstoned by the next checkpoint, after its marker. */
  private garbage = new Set<string>();
  private nextId = 1;

  constructor(pipelineId: string) {
    this.pipelineId = pipelineId;
  }

  /** Continues after what `readChangelog` found: ids go on from the largest seen, leftovers become garbage. */
  resume(found: ChangelogContents, keepNodes: ReadonlySet<string>): void {
    this.nextId = found.maxCheckpointSeen + 1;
    const live = new Set<string>();
    if (found.restored) {
      for (const [nodeId, entry] of Object.entries(found.restored.marker.nodes)) {
        if (!keepNodes.has(nodeId)) continue;
        this.nodes[nodeId] = entry;
        for (let i = 0; i < entry.pieces; i++) live.add(pieceKey(entry.checkpoint, nodeId, i));
      }
    }
    for (const key of found.pieceKeys) if (!live.has(key)) this.garbage.add(key);
  }

  get lastCommittedId(): number | null {
    return this.nextId > 1 ? this.nextId - 1 : null;
  }

  plan(
    snapshot: EngineSnapshot,
    offsets: InputOffsets,
    sources: Record<string, string>,
    counts: Json,
    at: number,
  ): CheckpointPlan {
    const id = this.nextId;
    const messages: Message[] = [];
    const nodes: Record<string, NodeEntry> = {};
    const superseded: string[] = [];
    let stateBytes = 0;
    let writtenBytes = 0;
    for (const [nodeId, node] of Object.entries(snapshot.nodes)) {
      const bytes = Buffer.from(JSON.stringify(node), 'utf8');
      stateBytes += bytes.length;
      const hash = createHash('sha1').update(bytes).digest('base64');
      const previous = this.nodes[nodeId];
      if (previous && previous.hash === hash) {
        nodes[nodeId] = previous;
        continue;
      }
      const pieces = Math.max(1, Math.ceil(bytes.length / PIECE_BYTES));
      for (let i = 0; i < pieces; i++) {
        const value = bytes.subarray(i * PIECE_BYTES, (i + 1) * PIECE_BYTES);
        messages.push({ key: pieceKey(id, nodeId, i), value });
        writtenBytes += value.length;
      }
      nodes[nodeId] = { checkpoint: id, pieces, bytes: bytes.length, hash };
      if (previous) for (let i = 0; i < previous.pieces; i++) superseded.push(pieceKey(previous.checkpoint, nodeId, i));
    }
    for (const [nodeId, previous] of Object.entries(this.nodes)) {
      if (!(nodeId in nodes))
        for (let i = 0; i < previous.pieces; i++) superseded.push(pieceKey(previous.checkpoint, nodeId, i));
    }
    const { nodes: _omitted, ...head } = snapshot;
    const marker: CheckpointMarker = {
      format: CHANGELOG_FORMAT,
      id,
      pipelineId: this.pipelineId,
      at,
      head,
      nodes,
      offsets,
      sources,
      counts,
    };
    const markerValue = JSON.stringify(marker);
    messages.push({ key: MARKER_KEY, value: markerValue });
    writtenBytes += Buffer.byteLength(markerValue);
    for (const key of [...this.garbage, ...superseded]) messages.push({ key, value: null });
    return { id, messages, marker, stateBytes, writtenBytes };
  }

  /** The plan's messages are durable (its transaction committed, or at-least-once: all acknowledged). */
  committed(plan: CheckpointPlan): void {
    this.nodes = plan.marker.nodes;
    this.garbage.clear();
    this.nextId = plan.id + 1;
  }
}

/** Everything a reader found in a changelog, latest value per key (tombstones applied). */
export interface ChangelogContents {
  restored: RestoredCheckpoint | null;
  pieceKeys: string[];
  maxCheckpointSeen: number;
}

/** Rebuilds the latest complete checkpoint from the latest value of each key. */
export function decodeChangelog(latest: ReadonlyMap<string, Buffer>): ChangelogContents {
  let maxCheckpointSeen = 0;
  const pieceKeys: string[] = [];
  for (const key of latest.keys()) {
    const parsed = parsePieceKey(key);
    if (!parsed) continue;
    pieceKeys.push(key);
    if (parsed.checkpoint > maxCheckpointSeen) maxCheckpointSeen = parsed.checkpoint;
  }
  const markerBytes = latest.get(MARKER_KEY);
  if (!markerBytes) return { restored: null, pieceKeys, maxCheckpointSeen };
  const marker = JSON.parse(markerBytes.toString('utf8')) as CheckpointMarker;
  if (marker.format !== CHANGELOG_FORMAT)
    throw new ChangelogError(
      `the changelog marker has format ${JSON.stringify(marker.format)}, expected ${CHANGELOG_FORMAT}`,
    );
  if (marker.id > maxCheckpointSeen) maxCheckpointSeen = marker.id;
  const nodes: Record<string, NodeSnapshot> = {};
  for (const [nodeId, entry] of Object.entries(marker.nodes)) {
    const parts: Buffer[] = [];
    for (let i = 0; i < entry.pieces; i++) {
      const piece = latest.get(pieceKey(entry.checkpoint, nodeId, i));
      if (!piece)
        throw new ChangelogError(
          `checkpoint ${marker.id} is incomplete: piece ${i} of node "${nodeId}" (written by checkpoint ${entry.checkpoint}) is missing`,
        );
      parts.push(piece);
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length !== entry.bytes)
      throw new ChangelogError(
        `checkpoint ${marker.id}: the state of node "${nodeId}" has ${bytes.length} bytes, the marker says ${entry.bytes}`,
      );
    nodes[nodeId] = JSON.parse(bytes.toString('utf8')) as NodeSnapshot;
  }
  return { restored: { marker, snapshot: { ...marker.head, nodes } }, pieceKeys, maxCheckpointSeen };
}

export class ChangelogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChangelogError';
  }
}
