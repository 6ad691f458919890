/** The example pipelines (examples/*.weir.json), bundled so they open offline as templates. */
import type { PipelineDoc } from '../../../shared/pipeline/types.ts';

export interface Template {
  file: string;
  doc: PipelineDoc;
}

const modules = import.meta.glob<PipelineDoc>('../../../examples/*.weir.json', { eager: true, import: 'default' });

export const TEMPLATES: readonly Template[] = Object.entries(modules)
  .map(([path, doc]) => ({ file: path.slice(path.lastIndexOf('/') + 1), doc }))
  .sort((a, b) => a.doc.name.localeCompare(b.doc.name));
