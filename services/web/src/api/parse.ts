import {
  isRecord,
  num,
  optionalNum,
  optionalStr,
  record,
  str,
  UnexpectedResponseError,
} from './json-fields.js';
import type {
  BBox,
  Deployment,
  DeploymentList,
  DeploymentState,
  DetectedObject,
  ImagePage,
  ImageRecord,
  ModelInfo,
  ModelList,
  ModelRef,
  ObjectDetails,
  ObjectList,
  ReadyReport,
} from './types.js';

function numberTuple(value: unknown, length: number, what: string): number[] {
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    !value.every((n) => typeof n === 'number' && Number.isFinite(n))
  ) {
    throw new UnexpectedResponseError(`${what} is not ${length} numbers`);
  }
  return value as number[];
}

export function parseBBox(value: unknown, what: string): BBox {
  return numberTuple(value, 4, what) as BBox;
}

export function parseDetectedObject(value: unknown, what = 'object'): DetectedObject {
  const source = record(value, what);
  const parsed: DetectedObject = {
    object_id: str(source, 'object_id', what),
    bbox: parseBBox(source.bbox, `${what}.bbox`),
    label: str(source, 'label', what),
    score: num(source, 'score', what),
  };
  if (source.centroid !== undefined) {
    parsed.centroid = numberTuple(source.centroid, 2, `${what}.centroid`) as [number, number];
  }
  const radius = optionalNum(source, 'radius');
  if (radius !== null) parsed.radius = radius;
  const classId = optionalNum(source, 'class_id');
  if (classId !== null) parsed.class_id = classId;
  return parsed;
}

export function parseObjectDetails(value: unknown): ObjectDetails {
  const parsed = parseDetectedObject(value);
  if (parsed.centroid === undefined || parsed.radius === undefined || parsed.class_id === undefined) {
    throw new UnexpectedResponseError('object details lack centroid, radius or class_id');
  }
  return parsed as ObjectDetails;
}

function parseModelRef(value: unknown): ModelRef | null {
  if (typeof value === 'string') return { name: value, version: '' };
  if (!isRecord(value)) return null;
  const name = optionalStr(value, 'name');
  if (name === null) return null;
  const version = value.version;
  return {
    name,
    version: typeof version === 'number' ? String(version) : (optionalStr(value, 'version') ?? ''),
  };
}

/** Parses an image as returned by upload, re-run, metadata and list endpoints. */
export function parseImageRecord(value: unknown, what = 'image'): ImageRecord {
  const source = record(value, what);
  const detection = isRecord(source.detection) ? source.detection : null;
  const rawDetections = detection?.detections ?? source.detections ?? source.objects;
  const detections = Array.isArray(rawDetections)
    ? rawDetections.map((item, index) => parseDetectedObject(item, `${what}.detections[${index}]`))
    : null;
  const objectCount =
    (detection ? optionalNum(detection, 'count') : null) ??
    optionalNum(source, 'object_count') ??
    optionalNum(source, 'objects_count') ??
    optionalNum(source, 'count') ??
    detections?.length ??
    null;
  return {
    image_id: str(source, 'image_id', what),
    filename: optionalStr(source, 'filename') ?? '',
    content_type: optionalStr(source, 'content_type') ?? '',
    width: num(source, 'width', what),
    height: num(source, 'height', what),
    size_bytes: optionalNum(source, 'size_bytes') ?? 0,
    created_at: optionalStr(source, 'created_at') ?? '',
    status: optionalStr(source, 'status') ?? 'completed',
    error: optionalStr(source, 'error'),
    source_url: optionalStr(source, 'source_url'),
    model: parseModelRef(source.model ?? detection?.model),
    object_count: objectCount,
    detections,
  };
}

export function parseImagePage(value: unknown): ImagePage {
  const source = Array.isArray(value) ? { images: value } : record(value, 'image list');
  const items = source.images ?? source.items ?? source.data;
  if (!Array.isArray(items)) throw new UnexpectedResponseError('image list has no images array');
  const cursor = source.next_cursor ?? source.nextCursor ?? source.cursor ?? null;
  return {
    images: items.map((item, index) => parseImageRecord(item, `images[${index}]`)),
    next_cursor: typeof cursor === 'string' && cursor !== '' ? cursor : null,
  };
}

export function parseObjectList(value: unknown): ObjectList {
  const source = record(value, 'object list');
  const objects = source.objects;
  if (!Array.isArray(objects)) throw new UnexpectedResponseError('object list has no objects array');
  return {
    image_id: str(source, 'image_id', 'object list'),
    count: optionalNum(source, 'count') ?? objects.length,
    objects: objects.map((item, index) => parseDetectedObject(item, `objects[${index}]`)),
  };
}

export function parseReadyReport(value: unknown): ReadyReport {
  const source = record(value, 'readiness report');
  const checks = isRecord(source.checks) ? source.checks : {};
  return { status: optionalStr(source, 'status') ?? 'unknown', checks } as ReadyReport;
}

/** `GET /models`: `{default_model, models: [{name, version, state, reason}]}` (the model server's index). */
export function parseModelList(value: unknown): ModelList {
  const items = Array.isArray(value) ? value : isRecord(value) ? (value.models ?? value.items) : null;
  if (!Array.isArray(items)) throw new UnexpectedResponseError('model list is not an array');
  const defaultModel = isRecord(value) ? optionalStr(value, 'default_model') : null;
  const models = items.flatMap((item): ModelInfo[] => {
    if (typeof item === 'string') return [{ name: item, version: null, state: null, reason: null }];
    if (!isRecord(item) || typeof item.name !== 'string') return [];
    const version = item.version ?? item.versions;
    return [
      {
        name: item.name,
        version:
          typeof version === 'string' || typeof version === 'number'
            ? String(version)
            : Array.isArray(version) && version.length > 0
              ? String(version.at(-1))
              : null,
        state: optionalStr(item, 'state') ?? (item.ready === true ? 'READY' : null),
        reason: optionalStr(item, 'reason'),
      },
    ];
  });
  return { defaultModel, models };
}

const deploymentStates: readonly DeploymentState[] = [
  'ready',
  'scaled_to_zero',
  'deploying',
  'failed',
  'deleting',
];

export function parseDeployment(value: unknown, what = 'deployment'): Deployment {
  const source = record(value, what);
  const state = str(source, 'state', what) as DeploymentState;
  if (!deploymentStates.includes(state))
    throw new UnexpectedResponseError(`${what}.state is not a known state`);
  const versions = record(source.versions, `${what}.versions`);
  const replicas = record(source.replicas, `${what}.replicas`);
  if (!Array.isArray(source.traffic)) throw new UnexpectedResponseError(`${what}.traffic is not a list`);
  const target = str(source, 'target', what);
  const scaling = str(replicas, 'scaling', `${what}.replicas`);
  return {
    name: str(source, 'name', what),
    model: str(source, 'model', what),
    target: target === 'kubernetes' ? 'kubernetes' : 'local',
    state,
    versions: {
      stable: optionalStr(versions, 'stable'),
      canary: optionalStr(versions, 'canary'),
      rolling_out: optionalStr(versions, 'rolling_out'),
      previous: optionalStr(versions, 'previous'),
    },
    traffic: source.traffic.map((share, i) => {
      const entry = record(share, `${what}.traffic[${i}]`);
      return {
        version: str(entry, 'version', `${what}.traffic[${i}]`),
        percent: num(entry, 'percent', `${what}.traffic[${i}]`),
      };
    }),
    replicas: {
      current: optionalNum(replicas, 'current'),
      min: num(replicas, 'min', `${what}.replicas`),
      max: num(replicas, 'max', `${what}.replicas`),
      scaling: scaling === 'applies' ? 'applies' : 'not_applicable',
    },
    target_concurrency: num(source, 'target_concurrency', what),
    url: optionalStr(source, 'url'),
    last_transition_time: str(source, 'last_transition_time', what),
    failure_reason: optionalStr(source, 'failure_reason'),
    message: str(source, 'message', what),
    generation: num(source, 'generation', what),
  };
}

export function parseDeploymentList(value: unknown): DeploymentList {
  const source = record(value, 'deployment list');
  if (!Array.isArray(source.deployments))
    throw new UnexpectedResponseError('deployment list.deployments is not a list');
  return {
    target: source.target === 'kubernetes' ? 'kubernetes' : 'local',
    deployments: source.deployments.map((item, i) => parseDeployment(item, `deployments[${i}]`)),
  };
}
