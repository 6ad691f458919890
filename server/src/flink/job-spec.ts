/**
 * What the Flink runner (flink/) is handed: the pipeline document, and every code param of it compiled ahead by
 * Weir's own UDF compiler, keyed by its source text — so the runner needs no compiler, and a pipeline whose code
 * does not compile is refused here, naming the node and the field, before anything is submitted.
 */
import { roleOf } from '../../../shared/operators/registry.ts';
import { codeText, type Code, type PipelineDoc, type Sample } from '../../../shared/pipeline/types.ts';
import { compileModule, type CompiledModule } from '../../../shared/udf/compile.ts';

export interface FlinkJobSpec {
  pipeline: PipelineDoc;
  modules: Record<string, CompiledModule>;
  udfBudgetMs: number;
}

export class FlinkJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlinkJobError';
  }
}

function isCode(value: unknown): value is Code {
  return typeof value === 'string' || (Array.isArray(value) && value.every((line) => typeof line === 'string'));
}

/** Every `code` field in a node's params, wherever it sits (filter's own, an aggregate's, a join's), compiled. */
export function compiledModules(doc: PipelineDoc): Record<string, CompiledModule> {
  const modules: Record<string, CompiledModule> = {};
  const visit = (value: unknown, path: string): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [name, child] of Object.entries(value)) {
      const where = `${path}.${name}`;
      if (name === 'code' && isCode(child)) {
        const source = codeText(child);
        if (source in modules) continue;
        const result = compileModule(source);
        if (!result.ok) {
          const d = result.diagnostics[0]!;
          throw new FlinkJobError(`${where}: ${d.code}: line ${d.line}, column ${d.column}: ${d.message}`);
        }
        modules[source] = result.module;
      } else visit(child, where);
    }
  };
  doc.nodes.forEach((node, i) => visit(node.params, `nodes[${i}].params`));
  return modules;
}

/** The pipeline with each source's samples replaced where `inputs` says (`--input`, a test's inputs). */
export function withInputs(doc: PipelineDoc, inputs: Record<string, Sample[]> = {}): PipelineDoc {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (roleOf(n.type) === 'source' && inputs[n.id] ? { ...n, samples: inputs[n.id] } : n)),
    tests: [],
  };
}

export function jobSpec(doc: PipelineDoc, udfBudgetMs: number): FlinkJobSpec {
  return { pipeline: doc, modules: compiledModules(doc), udfBudgetMs };
}
