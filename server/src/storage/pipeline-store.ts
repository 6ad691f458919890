/**
 * Pipelines on disk: `<dir>/<id>.weir.json` holds the document exactly as writers emit it (serializePipeline), so
 * the files can be read, diffed and committed by hand; `<dir>/<id>.meta.json` holds its revision. A document
 * dropped into the directory without a sidecar counts as revision 1. Deleting removes both files and notes the last
 * revision in one ledger, `<dir>/.deleted.json`, so that revisions of a re-created id keep counting up and a writer
 * holding a revision of the old one still conflicts, while the directory holds files of live pipelines only (a
 * sidecar left without its document, such as an older version's tombstone, is folded into the ledger by `list`).
 *
 * Listing reads each sidecar and stats each document; a document is read and parsed again only when it changed
 * since the last listing. Anything deleted while a listing runs is simply not listed.
 */
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PIPELINE_ID_PATTERN, serializePipeline, type PipelineDoc } from '../../../shared/pipeline/types.ts';
import type { PipelineSummary } from '../../../shared/api/pipelines.ts';
import { writeFileAtomic } from './atomic.ts';

const PIPELINE_ID = new RegExp(PIPELINE_ID_PATTERN);

const DOC_SUFFIX = '.weir.json';
const META_SUFFIX = '.meta.json';
const LEDGER = '.deleted.json';
/** The lock of the ledger: a name no pipeline id can take. */
const LEDGER_LOCK = '.ledger';
/** Documents read at once while listing. */
const LIST_CONCURRENCY = 16;

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
  readonly id: string;
  readonly current: number | null;

  constructor(id: string, current: number | null) {
    super(current === null ? `pipeline "${id}" does not exist` : `pipeline "${id}" is at revision ${current}`);
    this.id = id;
    this.current = current;
    this.name = 'RevisionConflict';
  }
}

/**
 * A stored file that cannot be read back (edited by hand into invalid JSON, say). Its message names the whole path,
 * for the server's log; `shown` names the data directory's part of it (`pipelines/x.weir.json`), for clients.
 */
export class StoredFileError extends Error {
  readonly file: string;
  readonly problem: string;

  readonly shown: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
    this.problem = problem;
    this.name = 'StoredFileError';
    this.shown = `${basename(dirname(file))}/${basename(file)}`;
  }
}

interface CachedSummary {
  /** What the summary was read from: the sidecar's revision, and the document file's identity, size and time. */
  key: string;
  summary: PipelineSummary;
}

export class PipelineStore {
  readonly dir: string;

  /** Writes to one id run one after another, so check-revision-then-write is atomic within the process. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly summaries = new Map<string, CachedSummary>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async list(): Promise<PipelineSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ids = idsWithSuffix(names, DOC_SUFFIX);
    const live = new Set(ids);
    await this.pruneSidecars(idsWithSuffix(names, META_SUFFIX).filter((id) => !live.has(id)));
    for (const id of this.summaries.keys()) if (!live.has(id)) this.summaries.delete(id);
    const summaries = await mapWithLimit(ids, LIST_CONCURRENCY, (id) => this.summary(id));
    return summaries.filter((s): s is PipelineSummary => s !== undefined);
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
    // A file put there by hand (or left beside an older version's tombstone): its revisions start after the last one.
    let mtime: Date;
    try {
      ({ mtime } = await stat(docFile));
    } catch (err) {
      // Deleted since it was read.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return {
      pipeline,
      revision: (meta?.revision ?? (await this.deletedRevision(id)) ?? 0) + 1,
      updatedAt: mtime.toISOString(),
    };
  }

  /** One listing entry: from the cache while the files are as they were, else read again; undefined once deleted. */
  private async summary(id: string): Promise<PipelineSummary | undefined> {
    let key: string;
    try {
      const [doc, meta] = await Promise.all([stat(this.docFile(id)), this.readMeta(id)]);
      key = `${meta?.deleted ? 'd' : ''}${meta?.revision ?? '-'} ${doc.ino} ${doc.size} ${doc.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof StoredFileError) return unreadable(id);
      throw err;
    }
    const cached = this.summaries.get(id);
    if (cached?.key === key) return cached.summary;
    let summary: PipelineSummary;
    try {
      const stored = await this.get(id);
      if (!stored) return undefined;
      summary = { id, name: stored.pipeline.name, revision: stored.revision, updatedAt: stored.updatedAt };
    } catch (err) {
      // One file broken by hand (invalid JSON, unreadable, a directory) must not hide the others; GET on it reports
      // what is wrong.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return unreadable(id);
    }
    this.summaries.set(id, { key, summary });
    return summary;
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
    return meta && !meta.deleted ? meta.revision : (meta?.revision ?? (await this.deletedRevision(id)) ?? 0) + 1;
  }

  /** Stores a validated document under its id; returns the new revision. Throws RevisionConflict. */
  put(pipeline: PipelineDoc, precondition: Precondition): Promise<StoredPipeline & { created: boolean }> {
    return this.locked(pipeline.id, async () => {
      const current = await this.revisionOf(pipeline.id);
      checkPrecondition(pipeline.id, current, precondition);
      const previous =
        current ?? (await this.readMeta(pipeline.id))?.revision ?? (await this.deletedRevision(pipeline.id)) ?? 0;
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
      // Ledger first: a crash before the files are gone leaves the pipeline as it was, with a ledger entry that
      // its sidecar outranks.
      await this.recordDeleted(id, current);
      await rm(this.docFile(id), { force: true });
      await rm(this.metaFile(id), { force: true });
      this.summaries.delete(id);
      return true;
    });
  }

  /** Folds sidecars left without their document (an older version's tombstones, a crash mid-delete) into the ledger. */
  private async pruneSidecars(ids: string[]): Promise<void> {
    for (const id of ids) {
      await this.locked(id, async () => {
        const current = await this.revisionOf(id);
        if (current !== undefined) return; // re-created meanwhile
        let meta: Meta | undefined;
        try {
          meta = await this.readMeta(id);
        } catch (err) {
          if (!(err instanceof StoredFileError)) throw err;
        }
        if (meta) await this.recordDeleted(id, meta.revision);
        await rm(this.metaFile(id), { force: true });
      });
    }
  }

  /** The last revision of a deleted id, from the ledger. */
  private async deletedRevision(id: string): Promise<number | undefined> {
    return (await this.readLedger())[id];
  }

  private recordDeleted(id: string, revision: number): Promise<void> {
    return this.locked(LEDGER_LOCK, async () => {
      const ledger = await this.readLedger();
      ledger[id] = Math.max(revision, ledger[id] ?? 0);
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(join(this.dir, LEDGER), JSON.stringify(ledger) + '\n');
    });
  }

  private async readLedger(): Promise<Record<string, number>> {
    const file = join(this.dir, LEDGER);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const ledger = JSON.parse(text) as unknown;
      if (
        typeof ledger === 'object' &&
        ledger !== null &&
        !Array.isArray(ledger) &&
        Object.values(ledger).every((r) => Number.isSafeInteger(r) && r >= 0)
      ) {
        return ledger as Record<string, number>;
      }
    } catch {
      // reported below
    }
    throw new StoredFileError(
      file,
      'not a record of deleted pipelines { "<id>": <last revision> }; delete it, and revisions of re-created pipelines start again at 1',
    );
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
    throw new StoredFileError(
      file,
      'not a revision record { "revision", "updatedAt" }; delete it to start the revisions again',
    );
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

/** The pipeline ids of the file names that end in `suffix`, in order. */
function idsWithSuffix(names: string[], suffix: string): string[] {
  return names
    .filter((name) => name.endsWith(suffix) && !name.startsWith('.'))
    .map((name) => name.slice(0, -suffix.length))
    .filter((id) => PIPELINE_ID.test(id))
    .sort();
}

function unreadable(id: string): PipelineSummary {
  return { id, name: `${id} (unreadable)`, revision: 0, updatedAt: '' };
}

/** `fn` of every item, at most `limit` at a time, in the items' order. */
async function mapWithLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function checkPrecondition(id: string, current: number | undefined, precondition: Precondition): void {
  if (precondition === undefined) return;
  if (precondition === 'absent') {
    if (current !== undefined) throw new RevisionConflict(id, current);
    return;
  }
  if (current !== precondition) throw new RevisionConflict(id, current ?? null);
}
