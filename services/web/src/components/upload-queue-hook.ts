import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import { toApiError } from '../api/errors.js';
import type { DetectSettings } from '../logic/settings.js';
import { nameForPastedFile } from '../logic/upload-input.js';
import { FINISHED, itemsToStart, type QueueItem } from '../logic/upload-queue.js';

interface QueueCallbacks {
  /** A file was stored (also a failed detection kept as "failed"): the history should reload. */
  onStored: (imageId: string) => void;
  onUnauthorized: () => void;
}

/** Batch uploads: at most `settings.parallelUploads` in flight, each with its progress and outcome. */
export function useUploadQueue(api: ApiClient, settings: DetectSettings, callbacks: QueueCallbacks) {
  const [items, setItems] = useState<QueueItem[]>([]);
  const files = useRef(new Map<number, File>());
  const controllers = useRef(new Map<number, AbortController>());
  const started = useRef(new Set<number>());
  const counter = useRef(0);
  const latest = useRef({ settings, callbacks });
  latest.current = { settings, callbacks };

  const update = (id: number, patch: Partial<QueueItem>) =>
    setItems((list) => list.map((item) => (item.id === id ? { ...item, ...patch } : item)));

  const start = async (item: QueueItem) => {
    const file = files.current.get(item.id);
    if (!file) return;
    const controller = new AbortController();
    controllers.current.set(item.id, controller);
    update(item.id, { status: 'uploading', progress: 0 });
    const { model, scoreThreshold } = latest.current.settings;
    try {
      const image = await api.uploadFile(
        file,
        item.name,
        { model, scoreThreshold },
        controller.signal,
        (sent) => update(item.id, { progress: sent, status: sent >= 1 ? 'detecting' : 'uploading' }),
      );
      update(item.id, {
        status: 'done',
        progress: 1,
        imageId: image.image_id,
        objectCount: image.object_count,
      });
      latest.current.callbacks.onStored(image.image_id);
    } catch (caught) {
      const error = toApiError(caught, 'Upload', api.baseUrl);
      if (error.kind === 'aborted') update(item.id, { status: 'cancelled' });
      else if (error.kind === 'duplicate') update(item.id, { status: 'duplicate', imageId: error.imageId });
      else {
        if (error.kind === 'unauthorized') latest.current.callbacks.onUnauthorized();
        if (error.imageId) latest.current.callbacks.onStored(error.imageId);
        update(item.id, {
          status: 'failed',
          imageId: error.imageId,
          error: error.detail ? `${error.title} ${error.detail}` : error.title,
        });
      }
    } finally {
      controllers.current.delete(item.id);
      files.current.delete(item.id);
    }
  };

  useEffect(() => {
    for (const item of itemsToStart(items, settings.parallelUploads)) {
      if (started.current.has(item.id)) continue;
      started.current.add(item.id);
      void start(item);
    }
  }, [items, settings.parallelUploads]);

  const add = (newFiles: File[]) => {
    const added = newFiles.map((file): QueueItem => {
      counter.current += 1;
      files.current.set(counter.current, file);
      return {
        id: counter.current,
        name: nameForPastedFile(file),
        status: 'queued',
        progress: 0,
        imageId: null,
        objectCount: null,
        error: null,
      };
    });
    // a new batch after a finished one starts a new list
    setItems((list) => [...(list.every((item) => FINISHED.has(item.status)) ? [] : list), ...added]);
  };

  const cancel = () => {
    for (const controller of controllers.current.values()) controller.abort();
    setItems((list) =>
      list.map((item) => (item.status === 'queued' ? { ...item, status: 'cancelled' as const } : item)),
    );
  };

  const clear = () => setItems((list) => list.filter((item) => !FINISHED.has(item.status)));

  return { items, add, cancel, clear };
}
