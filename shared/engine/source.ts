/**
 * The source contract (SPEC §2): an operator with no inputs that brings records in, from its samples in simulation
 * and from a host's partitioned log (Kafka) when deployed, and keeps one watermark per partition. The engine and
 * the simulation drive sources only through this class, whatever the node type.
 */
import type { Sample } from '../pipeline/types.ts';
import { Operator } from './operator.ts';

export abstract class SourceOperator extends Operator {
  /** Simulation: how many of the source's samples it has read (part of its state). */
  samplePosition = 0;

  processElement(): void {
    throw new Error(`source "${this.id}" has no inputs`);
  }

  /** Declares the partitions whose minimum is the source's watermark: those in the samples, or those assigned. */
  abstract declarePartitions(partitions: Iterable<number>): void;

  /** The event time a sample would get, for ordering several sources (SPEC §2); -Infinity when it has none. */
  abstract eventTimeOfSample(sample: Sample): number;

  /** Simulation: one sample, a record or a watermark marker. */
  abstract ingestSample(sample: Sample): void;

  /** Deployed: one record of `partition` at `offset`, with key and value still encoded as text. */
  abstract ingestKafka(
    partition: number,
    offset: number,
    key: string | null,
    value: string | null,
    timestamp: number,
    headers?: Record<string, string>,
  ): void;

  /** End of input: every partition's watermark becomes +∞ (SPEC §2). */
  abstract endOfInput(): void;

  /** Offsets to resume from, by partition. */
  abstract offsets(): Map<number, number>;
}
