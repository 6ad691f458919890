/**
 * One operator type, one file (DESIGN): its param schema with defaults, its ports, its extra validation and its
 * runtime live together in an `OperatorDefinition`, and the registry collects them. The editor's palette and
 * inspector read the same definitions the validator and the engine use.
 */
import type { ValidationProblem } from '../pipeline/errors.ts';
import type { PipelineDoc } from '../pipeline/types.ts';
import type { Operator, OperatorEnv } from '../engine/operator.ts';
import type { ParamSchema } from './schema.ts';

export type OperatorCategory = 'Sources' | 'Transform' | 'Keyed' | 'Windows' | 'Joins' | 'Sinks';

export interface PortSpec {
  name: string;
  label?: string;
  /** An input port that needs at least one edge (SPEC §1). */
  required?: boolean;
}

export interface ValidationContext {
  readonly pipeline: PipelineDoc;
  readonly nodeIndex: number;
  /** `nodes[i].params` — prefix for problems about params. */
  readonly path: string;
  readonly problems: ValidationProblem[];
}

export interface OperatorDefinition {
  readonly type: string;
  readonly label: string;
  readonly category: OperatorCategory;
  /** One sentence for the palette. */
  readonly description: string;
  readonly params: ParamSchema;
  readonly inputs: readonly PortSpec[];
  /** Output ports; `process` adds the names of its `outputs` param. Params have their defaults applied. */
  outputs(params: Record<string, unknown>): readonly string[];
  readonly isSource?: boolean;
  readonly isSink?: boolean;
  /** Checks that need several params at once; params have their defaults applied and passed the schema. */
  validate?(params: Record<string, unknown>, ctx: ValidationContext): void;
  /** Makes the runtime operator. `env.node.params` have their defaults applied. */
  create(env: OperatorEnv): Operator;
}

export function defineOperator<const D extends OperatorDefinition>(definition: D): D {
  return definition;
}
