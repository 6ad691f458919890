/**
 * Pipelines on disk: `<dir>/<id>.weir.json` holds the document exactly as writers emit it (serializePipeline), so
 * the files can be read, diffed and committed by hand; `<dir>/<id>.meta.json` holds its revision. A document
 * dropped into the directory without a sidecar counts as revision 1. Deleting keeps the sidecar as a tombstone so
 * that revisions of a re-created id keep counting up and a writer holding a revision of the old one still conflicts.
 */
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { serializePipeline, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { PipelineSummary } from '../../../shared/api/pipelines.ts';
import { PIPELINE_ID_PATTERN } from '../../../shared/pipeline/validate.ts';
import { writeFileAtomic } from './atomic.ts';

const PIPELINE_ID = new RegExp(PIPELINE_ID_PATTERN);

const DOC_SUFFIX = '.weir.json';
const META_SUFFIX = '.meta.json';

export interface StoredPipeline {
  pipeline: PipelineDoc;
  revision: number;
  updatedAt: string;
}

interface Meta {
  revision: number;
  updatedAt: string;
  deleted?: boolean;
}

/** What a write requires of the stored revision: equal to a number, absent (`'absent'`), or nothing. */
export type Precondition = number | 'absent' | undefined;

export class RevisionConflict extends Error {
  constructor(readonly id: string, readonly current: number | null) {
    super(current === null ? `pipeline "${id}" does not exist` : `pipeline "${id}" is at revision ${current}`);
    this.name = 'RevisionConflict';
  }
}

/** A stored file that cannot be read back (edited by hand into invalid JSON, say). */
export class StoredFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'StoredFileError';
  }
}

export class PipelineStore {
  /** Writes to one id run one after another, so check-revision-then-write is atomic within the process. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

  async list(): Promise<PipelineSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const summaries: PipelineSummary[] = [];
    for (const name of names.sort()) {
      if (!name.endsWith(DOC_SUFFIX) || name.startsWith('.')) continue;
      const id = name.slice(0, -DOC_SUFFIX.length);
      if (!PIPELINE_ID.test(id)) continue;
      try {
        const stored = await this.get(id);
        if (stored) summaries.push({ id, name: stored.pipeline.name, revision: stored.revision, updatedAt: stored.updatedAt });
      } catch (err) {
        // One hand-broken file must not hide the others; GET on it reports what is wrong.
        if (!(err instanceof StoredFileError)) throw err;
        summaries.push({ id, name: `${id} (unreadable)`, revision: 0, updatedAt: '' });
      }
    }
    return summaries;
  }

  async get(id: string): Promise<StoredPipeline | undefined> {
    const docFile = this.docFile(id);
    let text: string;
    try {
      text = await readFile(docFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let pipeline: PipelineDoc;
    try {
      pipeline = JSON.parse(text) as PipelineDoc;
    } catch (err) {
      throw new StoredFileError(docFile, `not valid JSON (${(err as Error).message})`);
    }
    const meta = await this.readMeta(id);
    if (meta && !meta.deleted) return { pipeline, revision: meta.revision, updatedAt: meta.updatedAt };
    // A file put there by hand (or a sidecar from a deleted predecessor): its own revision line starts after it.
    const { mtime } = await stat(docFile);
    return { pipeline, revision: (meta?.revision ?? 0) + 1, updatedAt: mtime.toISOString() };
  }

  /**
   * The stored revision without reading the document, undefined when there is none: writes and deletes need only
   * that, so a document broken by hand can still be replaced or deleted.
   */
  private async revisionOf(id: string): Promise<number | undefined> {
    try {
      await stat(this.docFile(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const meta = await this.readMeta(id);
    return meta && !meta.deleted ? meta.revision : (meta?.revision ?? 0) + 1;
  }

  /** Stores a validated document under its id; returns the new revision. Throws RevisionConflict. */
  put(pipeline: PipelineDoc, precondition: Precondition): Promise<StoredPipeline & { created: boolean }> {
    return this.locked(pipeline.id, async () => {
      const current = await this.revisionOf(pipeline.id);
      checkPrecondition(pipeline.id, current, precondition);
      const previous = current ?? (await this.readMeta(pipeline.id))?.revision ?? 0;
      const meta: Meta = { revision: previous + 1, updatedAt: new Date().toISOString() };
      await mkdir(this.dir, { recursive: true });
      // Document first: a crash between the two writes leaves the new document under the old revision, which a
      // stale writer can at worst overwrite once — never a revision that points at a document not on disk.
      await writeFileAtomic(this.docFile(pipeline.id), serializePipeline(pipeline));
      await writeFileAtomic(this.metaFile(pipeline.id), JSON.stringify(meta) + '\n');
      return { pipeline, revision: meta.revision, updatedAt: meta.updatedAt, created: current === undefined };
    });
  }

  /** Deletes a pipeline; false when there was none. Throws RevisionConflict when `precondition` does not hold. */
  delete(id: string, precondition: Precondition): Promise<boolean> {
    return this.locked(id, async () => {
      const current = await this.revisionOf(id);
      if (current === undefined) {
        if (typeof precondition === 'number') throw new RevisionConflict(id, null);
        return false;
      }
      checkPrecondition(id, current, precondition);
      const tombstone: Meta = { revision: current, updatedAt: new Date().toISOString(), deleted: true };
      await writeFileAtomic(this.metaFile(id), JSON.stringify(tombstone) + '\n');
      await rm(this.docFile(id), { force: true });
      return true;
    });
  }

  private async readMeta(id: string): Promise<Meta | undefined> {
    const file = this.metaFile(id);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const meta = JSON.parse(text) as Meta;
      if (Number.isSafeInteger(meta.revision) && meta.revision >= 0 && typeof meta.updatedAt === 'string') return meta;
    } catch {
      // reported below
    }
    throw new StoredFileError(file, 'not a revision record { "revision", "updatedAt" }; delete it to start the revisions again');
  }

  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.locks.get(id) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => {});
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }

  private docFile(id: string): string {
    return join(this.dir, id + DOC_SUFFIX);
  }

  private metaFile(id: string): string {
    return join(this.dir, id + META_SUFFIX);
  }
}

function checkPrecondition(id: string, current: number | undefined, precondition: Precondition): void {
  if (precondition === undefined) return;
  if (precondition === 'absent') {
    if (current !== undefined) throw new RevisionConflict(id, current);
    return;
  }
  if (current !== precondition) throw new RevisionConflict(id, current ?? null);
}
