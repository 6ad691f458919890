/**
 * The layering of DESIGN.md as rules that `npm run lint:deps` checks (and `npm test` runs first):
 *
 *   web → shared ← server          (the hosts never import each other; shared imports neither)
 *
 *   inside shared:  pipeline ← udf ← engine ← operators ← validation      api → pipeline
 *                   (the document)   (contracts)  (node types)  (needs the registry)
 *
 * A new node type is added in shared/operators/ (its file and a registry line); the engine is handed the registry and
 * never names a type, and the document model knows no operator, engine or compiler. Type-only imports count too.
 */
const SHARED = '^shared/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules of shared/ form no cycle: each layer only looks down.',
      from: { path: SHARED },
      to: { circular: true },
    },
    {
      name: 'shared-imports-no-host',
      severity: 'error',
      comment: 'shared/ is hosted by web/ and server/ and knows neither (nor the tools, tests and benchmarks).',
      from: { path: SHARED },
      to: { path: '^(web|server|bench|test|tools|flink)/' },
    },
    {
      name: 'shared-is-portable',
      severity: 'error',
      comment: 'shared/ runs in browsers, Node and GraalJS: no Node built-in, no package but the UDF compiler.',
      from: { path: SHARED },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: '(^|/)node_modules/(acorn|sucrase)/',
      },
    },
    {
      name: 'web-imports-no-server',
      severity: 'error',
      comment: 'The editor talks to the server over HTTP only; what they exchange is typed in shared/api.',
      from: { path: '^web/' },
      to: { path: '^server/' },
    },
    {
      name: 'server-imports-no-web',
      severity: 'error',
      comment: 'The server serves the built editor as files; it never imports its code.',
      from: { path: '^server/' },
      to: { path: '^web/' },
    },
    {
      name: 'pipeline-is-the-document',
      severity: 'error',
      comment: 'The pipeline model (types, errors, field schemas, samples) knows no operator, engine, compiler or API.',
      from: { path: '^shared/pipeline/' },
      to: { path: '^shared/(operators|engine|udf|validation|api)/' },
    },
    {
      name: 'udf-below-the-engine',
      severity: 'error',
      comment: 'The UDF compiler and runtime serve the engine and the operators; they take what they need as UdfEnv.',
      from: { path: '^shared/udf/' },
      to: { path: '^shared/(engine|operators|validation)/' },
    },
    {
      name: 'engine-names-no-operator',
      severity: 'error',
      comment: 'The engine owns the contracts and is handed the registry: it names no operator, no validator.',
      from: { path: '^shared/engine/' },
      to: { path: '^shared/(operators|validation)/|^shared/pipeline/validate' },
    },
    {
      name: 'operators-below-validation',
      severity: 'error',
      comment: 'The validator reads the registry; operator definitions never call the validator.',
      from: { path: '^shared/operators/' },
      to: { path: '^shared/validation/' },
    },
    {
      name: 'api-is-wire-types',
      severity: 'error',
      comment: 'shared/api types what web/ and server/ exchange over HTTP, in terms of the pipeline model only.',
      from: { path: '^shared/api/' },
      to: { path: '^shared/(engine|operators|udf|validation)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
