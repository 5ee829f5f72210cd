import type { ApiError } from '../api/errors.js';
import type { DetectedObject, ImageRecord } from '../api/types.js';
import { formatCount } from './format.js';
import {
  DEFAULT_SORT,
  NO_FILTER,
  nextSort,
  type ObjectFilter,
  type SortKey,
  type SortState,
  summariseLabels,
} from './objects-table.js';

export type JobKind = 'upload' | 'rerun' | 'open';

/** A request in flight that the user waits for: it gets a spinner with elapsed time and can be cancelled. */
export interface Job {
  id: number;
  kind: JobKind;
  description: string;
  startedAt: number;
}

export interface Result {
  image: ImageRecord;
  objects: DetectedObject[];
  /** The score threshold this page sent for the run that made these objects (null: the model's default or unknown). */
  threshold?: number | null;
}

/** What the confidence control starts at: everything the model kept (its threshold already applied). */
export const DEFAULT_MIN_CONFIDENCE = 0;

export interface AppState {
  job: Job | null;
  error: ApiError | null;
  /** Shown above the result, e.g. "This image was uploaded before; showing the stored result." */
  notice: string | null;
  result: Result | null;
  selectedId: string | null;
  hoveredId: string | null;
  filter: ObjectFilter;
  sort: SortState;
  /** Text for the polite live region: what just happened, for screen readers. */
  announcement: string;
  /** Incremented whenever the stored images changed, so the history reloads. */
  historyVersion: number;
  /** Results of earlier runs on an image (newest first), kept by this page when a re-run replaced them. */
  earlierRuns: Record<string, Result[]>;
  /** Which run of the shown image is on screen: 0 = the current one, n = the n-th earlier one. */
  shownRun: number;
}

export const INITIAL_STATE: AppState = {
  job: null,
  error: null,
  notice: null,
  result: null,
  selectedId: null,
  hoveredId: null,
  filter: { ...NO_FILTER, minScore: DEFAULT_MIN_CONFIDENCE },
  sort: DEFAULT_SORT,
  announcement: '',
  historyVersion: 0,
  earlierRuns: {},
  shownRun: 0,
};

export type Action =
  | { type: 'job-started'; job: Job }
  | {
      type: 'job-succeeded';
      jobId: number;
      result: Result;
      notice?: string | null;
      storedChanged: boolean;
      /** Object to select once shown (a deep link to an object). */
      select?: string | null;
      /** A failure to show with the result (detection failed, but the image was stored). */
      error?: ApiError | null;
      /** A new run on the shown image: its previous result stays viewable as an earlier run. */
      newRun?: boolean;
    }
  | { type: 'job-failed'; jobId: number; error: ApiError; storedChanged?: boolean }
  | { type: 'select'; objectId: string | null }
  | { type: 'hover'; objectId: string | null }
  | { type: 'filter'; filter: Partial<ObjectFilter> }
  | { type: 'sort'; key: SortKey }
  | { type: 'object-details'; imageId: string; object: DetectedObject }
  | { type: 'dismiss-error' }
  | { type: 'show-error'; error: ApiError }
  | { type: 'image-deleted'; imageId: string }
  | { type: 'close-result' }
  | { type: 'show-run'; index: number }
  | { type: 'history-changed' };

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

function describeResult({ image, objects }: Result): string {
  if (image.status === 'failed') return `${image.filename || 'Image'} is stored, but detection failed.`;
  return `${formatCount(objects.length, 'object')} found in ${image.filename || 'the image'}: ${summariseLabels(objects)}.`;
}

export function appReducer(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'job-started':
      return {
        ...state,
        job: action.job,
        error: null,
        notice: null,
        announcement: `${action.job.description}…`,
      };
    case 'job-succeeded': {
      if (state.job?.id !== action.jobId) return state;
      const sameImage = state.result?.image.image_id === action.result.image.image_id;
      const imageId = action.result.image.image_id;
      const earlierRuns =
        sameImage && action.newRun && state.result
          ? { ...state.earlierRuns, [imageId]: [state.result, ...(state.earlierRuns[imageId] ?? [])] }
          : state.earlierRuns;
      const stillThere = (id: string | null) =>
        id !== null && action.result.objects.some((object) => object.object_id === id) ? id : null;
      return {
        ...state,
        job: null,
        error: action.error ?? null,
        notice: action.notice ?? null,
        result: action.result,
        selectedId: stillThere(action.select ?? null) ?? (sameImage ? stillThere(state.selectedId) : null),
        hoveredId: null,
        // the confidence threshold is one setting for every image; the label filter belongs to one image
        filter: sameImage ? state.filter : { ...state.filter, label: '' },
        announcement: describeResult(action.result),
        historyVersion: action.storedChanged ? state.historyVersion + 1 : state.historyVersion,
        earlierRuns,
        shownRun: 0,
      };
    }
    case 'job-failed':
      if (state.job?.id !== action.jobId) return state;
      return {
        ...state,
        job: null,
        error: action.error.kind === 'aborted' ? null : action.error,
        notice: action.error.kind === 'aborted' ? `Cancelled: ${lowerFirst(state.job.description)}.` : null,
        announcement: action.error.kind === 'aborted' ? action.error.title : '',
        historyVersion: action.storedChanged ? state.historyVersion + 1 : state.historyVersion,
      };
    case 'select':
      return { ...state, selectedId: action.objectId };
    case 'hover':
      return state.hoveredId === action.objectId ? state : { ...state, hoveredId: action.objectId };
    case 'filter': {
      const filter = { ...state.filter, ...action.filter };
      return { ...state, filter };
    }
    case 'sort':
      return { ...state, sort: nextSort(state.sort, action.key) };
    case 'object-details': {
      if (state.result?.image.image_id !== action.imageId) return state;
      const objects = state.result.objects.map((object) =>
        object.object_id === action.object.object_id ? { ...object, ...action.object } : object,
      );
      return { ...state, result: { ...state.result, objects } };
    }
    case 'dismiss-error':
      return { ...state, error: null };
    case 'show-error':
      return { ...state, error: action.error, announcement: '' };
    case 'image-deleted': {
      const wasShown = state.result?.image.image_id === action.imageId;
      const { [action.imageId]: _deleted, ...earlierRuns } = state.earlierRuns;
      return {
        ...state,
        earlierRuns,
        result: wasShown ? null : state.result,
        selectedId: wasShown ? null : state.selectedId,
        hoveredId: wasShown ? null : state.hoveredId,
        notice: null,
        announcement: 'Image deleted.',
        historyVersion: state.historyVersion + 1,
      };
    }
    case 'close-result':
      return { ...state, result: null, selectedId: null, hoveredId: null, notice: null, error: null };
    case 'history-changed':
      return { ...state, historyVersion: state.historyVersion + 1 };
    case 'show-run':
      return { ...state, shownRun: action.index, selectedId: null, hoveredId: null };
  }
}
