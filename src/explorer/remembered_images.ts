/**
 * The image records a registry last gave, kept in IndexedDB, so a cached image still opens when
 * the registry cannot be reached: blobs are cached by digest, but a tag needs the registry to say
 * which digest it names, and this remembers the last answer.
 */
import { createStore, get, set, type UseStore } from "idb-keyval";
import type { ImageLister, ImageRecord } from "../core/content.ts";
import { NotFoundError, UnavailableError } from "../core/errors.ts";

/** The records of one source, with whether they came from memory rather than the registry. */
export interface RememberingImages extends ImageLister {
  /** When the records in use were saved, if the registry could not be reached. */
  offlineSince(): string | undefined;
}

interface _Saved {
  readonly savedAt: string;
  readonly records: Record<string, ImageRecord>;
}

/**
 * `images` that remember what they answered under `key`, and answer from that memory when the
 * registry is unavailable (network failures only: a 404 is an answer, not an outage).
 *
 * @param key The source's key (its URL state).
 * @param images The registry's image records.
 * @returns The remembering records.
 */
export function rememberingImages(key: string, images: ImageLister): RememberingImages {
  let offline: string | undefined;
  let database: UseStore | undefined;
  /** One connection, opened on first use (a source on Deno, with no IndexedDB, never opens it). */
  const store = () => (database ??= createStore("ocistore-explorer-records", "records"));
  const load = async (): Promise<_Saved | undefined> => {
    try {
      return await get<_Saved>(key, store());
    } catch {
      return undefined;
    }
  };
  /** The saves, one after another, so a merging one sees the replacing one before it. */
  let saving: Promise<void> = Promise.resolve();
  const write = async (records: readonly ImageRecord[], replace: boolean) => {
    try {
      const previous = replace ? undefined : await load();
      const all = { ...previous?.records };
      for (const record of records) all[record.name] = record;
      await set(key, { savedAt: new Date().toISOString(), records: all }, store());
    } catch {
      // Remembering is a convenience: a failing IndexedDB is reported by the blob cache.
    }
  };
  // Not waited for: the view does not wait for IndexedDB to write what it was just answered.
  const save = (records: readonly ImageRecord[], replace: boolean) => {
    saving = saving.then(() => write(records, replace));
  };
  const fallback = async <T>(
    error: unknown,
    pick: (saved: _Saved) => T | undefined,
  ): Promise<T> => {
    if (!(error instanceof UnavailableError)) throw error;
    const saved = await load();
    const picked = saved && pick(saved);
    if (picked === undefined) throw error;
    offline = saved!.savedAt;
    return picked;
  };
  return {
    async list() {
      try {
        const records = await images.list();
        save(records, true);
        return records;
      } catch (error) {
        return await fallback(error, (saved) => Object.values(saved.records));
      }
    },
    async get(name) {
      try {
        const record = await images.get(name);
        save([record], false);
        return record;
      } catch (error) {
        return await fallback(error, (saved) => saved.records[name]).catch((e) => {
          if (e === error) throw error;
          throw new NotFoundError(`Cannot find image "${name}"`, { cause: e });
        });
      }
    },
    offlineSince: () => offline,
  };
}
