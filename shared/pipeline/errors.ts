/**
 * One catalogue of coded problems (SPEC §1). The editor, the CLI and the API all show these same codes; a code
 * never changes meaning once published.
 */
export const ERROR_CODES = {
  E_JSON: 'the file is not valid JSON',
  E_FORMAT: 'unsupported or missing format marker',
  E_REQUIRED: 'a required field is missing',
  E_TYPE: 'a value has the wrong type',
  E_UNKNOWN_FIELD: 'a field that the format does not know',
  E_PATTERN: 'a string does not match its required pattern',
  E_RANGE: 'a number is out of its allowed range',
  E_ENUM: 'a value is not one of the allowed choices',
  E_DUPLICATE_ID: 'two nodes share one id',
  E_UNKNOWN_TYPE: 'a node type that does not exist',
  E_UNKNOWN_NODE: 'an edge names a node that does not exist',
  E_UNKNOWN_PORT: 'an edge names a port that the node does not have',
  E_CYCLE: 'the graph has a cycle',
  E_SOURCE_INPUT: 'a source has an input edge',
  E_SINK_OUTPUT: 'a sink has an output edge',
  E_UNCONNECTED: 'a required input port has no edge',
  E_ROUTE_UNCONNECTED: 'onError is "route" but the node\'s error port has no edge',
  E_SAMPLES: 'samples on a node that is not a source',
  E_UDF_SYNTAX: 'user code does not compile',
  E_UDF_IMPORT: 'user code imports a module',
  E_UDF_EXPORT: 'user code does not export what the operator calls',
  E_UDF_RESERVED: 'user code names what only Weir may use (the budget guard, eval)',
  E_TEST: 'a test names a source or sink that does not exist',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with a document: where (a JSON path such as `nodes[3].params.assigner.sizeMs`), what, and why. */
export interface ValidationProblem {
  path: string;
  code: ErrorCode;
  message: string;
}

export function problem(path: string, code: ErrorCode, message: string): ValidationProblem {
  return { path, code, message };
}

/** The one-line form SPEC §1 prints: `nodes[3].params.assigner.sizeMs: E_RANGE: must be a positive integer …`. */
export function formatProblem(p: ValidationProblem): string {
  return `${p.path || '(document)'}: ${p.code}: ${p.message}`;
}

/**
 * The editor's form of one problem: what it is about in the author's words (a node's label) first, then the line
 * `weir validate` prints: `Count per user — nodes[2].params.field: E_REQUIRED: …`.
 */
export function formatProblemAbout(p: ValidationProblem, subject: string | undefined): string {
  return subject === undefined ? formatProblem(p) : `${subject} — ${formatProblem(p)}`;
}

/** Appends a property name or an array index to a JSON path. */
export function joinPath(base: string, part: string | number): string {
  if (typeof part === 'number') return `${base}[${part}]`;
  const safe = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part) ? part : JSON.stringify(part);
  if (base === '') return typeof part === 'string' && safe === part ? part : `[${safe}]`;
  return safe === part ? `${base}.${part}` : `${base}[${safe}]`;
}
