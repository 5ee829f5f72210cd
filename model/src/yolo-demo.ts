/**
 * `pnpm model:yolo-demo [--repository DIR] [--remove]`: installs (or removes) the YOLO demo model, a tiny
 * generated ONNX graph with the YOLOv8 export's layout, to try the YOLO path without any download.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REPOSITORY_DIR } from './repository/repository-status.js';
import { installYoloDemo, removeYoloDemo, YOLO_DEMO_NAME } from './repository/yolo-demo.js';

const USAGE = `usage: pnpm model:yolo-demo [--repository DIR] [--remove]

Writes DIR/${YOLO_DEMO_NAME}/config.json and DIR/${YOLO_DEMO_NAME}/1/model.onnx (DIR: model/repository): a tiny
generated ONNX graph with the YOLOv8 export's layout. It is NOT an object detector: it reports the four
quadrants of the image, labelled with their dominant colour. --remove deletes the folder again.`;

let options: { repository?: string; remove?: boolean; help?: boolean };
try {
  ({ values: options } = parseArgs({
    options: {
      repository: { type: 'string' },
      remove: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
// pnpm runs package scripts in the package folder; a relative --repository is meant from where the user typed it.
const base = process.env.INIT_CWD ?? process.cwd();
const repository = options.repository ? path.resolve(base, options.repository) : DEFAULT_REPOSITORY_DIR;

if (options.remove) {
  const directory = await removeYoloDemo(repository);
  console.log(`removed ${directory}
A running model server still serves it until you unload it:
  curl -X POST http://127.0.0.1:9090/v2/repository/models/${YOLO_DEMO_NAME}/unload`);
} else {
  const directory = await installYoloDemo(repository);
  console.log(`wrote ${path.join(directory, 'config.json')} and ${path.join(directory, '1', 'model.onnx')}
This is a demo of the YOLOv8 path, not a detector: its detections are the four quadrants of the image,
labelled with their dominant colour (red, green or blue) and scored by its mean. Same image, same answer.

Load it into a running ./run_all.sh (or restart it), then detect with it:
  curl -X POST http://127.0.0.1:9090/v2/repository/models/${YOLO_DEMO_NAME}/load
  curl -F file=@samples/astronaut.jpg 'http://127.0.0.1:8000/detect?model=${YOLO_DEMO_NAME}'
Undo: pnpm model:yolo-demo --remove`);
}
