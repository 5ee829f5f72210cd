import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The model repository `pnpm model:build` writes, where users may also add models of their own. */
export const BUILT_REPOSITORY = fileURLToPath(new URL('../../../../model/repository', import.meta.url));
/** The models `pnpm model:build` makes. */
export const BUILT_MODELS = ['blazeface', 'centernet-coco'] as const;

/**
 * A repository of the built models only: a temporary folder of links to them, removed when the test process
 * exits. Whatever else a user put into model/repository (a YOLO export, `pnpm model:yolo-demo`) does not
 * change what the tests see.
 */
export const MODEL_REPOSITORY = builtModelsOnly();

function builtModelsOnly(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'model-server-repository-'));
  for (const name of BUILT_MODELS) {
    symlinkSync(path.join(BUILT_REPOSITORY, name), path.join(directory, name));
  }
  process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** A photo of faces shipped with the reference library (installed with @detection/model). */
export const FACE_IMAGE = fileURLToPath(
  new URL(
    '../../../../model/node_modules/@vladmandic/human/assets/screenshot-facedetect.jpg',
    import.meta.url,
  ),
);
