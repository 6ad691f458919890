/**
 * One operator type, one file (DESIGN): its param schema with defaults, its ports, its traits, its extra validation
 * and its runtime live together in an `OperatorDefinition`, and the registry collects them. The engine sees a
 * definition as an `OperatorType` (its contract); the validator, the server and the editor's palette, inspector and
 * results read the rest of it, so none of them names an operator type.
 */
import type { ValidationProblem } from '../pipeline/errors.ts';
import type { ParamSchema, ParamsOf } from '../pipeline/schema.ts';
import type { PipelineDoc } from '../pipeline/types.ts';
import { lookupOperator, type OperatorRole, type PortSpec } from '../engine/contracts.ts';
import type { Operator, OperatorEnv } from '../engine/operator.ts';

export type { OperatorRole, PortSpec } from '../engine/contracts.ts';

export type OperatorCategory = 'Sources' | 'Transform' | 'Keyed' | 'Windows' | 'Joins' | 'Sinks';

/**
 * What the values leaving a port are, for the editor's types of edges and of code: `records` (a source's records:
 * in the editor, its samples), `input` (the values that came in, unchanged), `aggregate` (`{ key, window, result }`,
 * with `window` only when the type is windowed and `result` typed by the `aggregate` param). A port not named makes
 * new values in user code: only a run tells what they are.
 */
export type PortValues = 'records' | 'input' | 'aggregate';

export interface ValidationContext {
  readonly pipeline: PipelineDoc;
  readonly nodeIndex: number;
  /** `nodes[i].params` — prefix for problems about params. */
  readonly path: string;
  readonly problems: ValidationProblem[];
}

/** What every definition says, written out in its file. */
interface DefinitionBody<S extends ParamSchema> {
  readonly type: string;
  readonly label: string;
  readonly category: OperatorCategory;
  /** One sentence for the palette. */
  readonly description: string;
  readonly params: S;
  readonly inputs: readonly PortSpec[];
  /** Output ports; params have their defaults applied but may not have passed the schema (the editor asks early). */
  outputs(params: Record<string, unknown>): readonly string[];
  /** Checks that need several params at once; params have their defaults applied and passed the schema. */
  validate?(params: ParamsOf<S>, ctx: ValidationContext): void;
  /** Makes the runtime operator (see `OperatorType`). */
  create(env: OperatorEnv<ParamsOf<S>>): Operator;
}

/** What the engine, the server and the editor ask of a type instead of naming it. */
interface Traits {
  /** See `OperatorRole`; a source's operator is a `SourceOperator`. */
  readonly role: OperatorRole;
  /** Groups records by key and keeps state per key (the editor shows its state by key). */
  readonly keyed: boolean;
  /** Groups records into windows (the editor draws their timeline). */
  readonly windowed: boolean;
  /** What it does to the values, by output port. */
  readonly values: Readonly<Record<string, PortValues>>;
  /** Params that name a field of the values (the editor checks the name against the values' inferred type). */
  readonly fieldParams: readonly FieldParam[];
}

/** A param holding the dot path of a field of the values (`amount`, `user.id`). */
export interface FieldParam {
  /** Where the param sits in params (`['aggregate', 'field']`); a node without a string there names no field. */
  readonly path: readonly string[];
  /** What the editor calls it ("Key by field "x" does not exist in its input"). */
  readonly label: string;
  /** Whose values hold the field: the first input port's, or (for a source) the output's. */
  readonly of: 'in' | 'out';
  /** Its values become the record's key. */
  readonly key?: boolean;
}

/** A node type: an `OperatorType` for the engine, with everything else Weir knows about it. */
export interface OperatorDefinition<S extends ParamSchema = ParamSchema> extends DefinitionBody<S>, Traits {}

/**
 * Fills in the traits a definition may leave out (neither keyed nor windowed, its outputs new values; its role it
 * always says) and keeps the params' literal types, so that `create` and `validate` get params typed from the schema.
 */
export function defineOperator<const S extends ParamSchema>(
  definition: DefinitionBody<S> & Pick<Traits, 'role'> & Partial<Traits>,
): OperatorDefinition<S> {
  return { keyed: false, windowed: false, values: {}, fieldParams: [], ...definition };
}

/** Definitions by their `type` string. */
export type OperatorDefinitions = Readonly<Record<string, OperatorDefinition>>;

export function definitionOf(operators: OperatorDefinitions, type: string): OperatorDefinition | undefined {
  return lookupOperator(operators, type);
}
