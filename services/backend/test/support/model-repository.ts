import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What the README's "add a YOLO export" steps 2–3 leave without an ONNX file: `<root>/<name>/config.json` of
 * a yolov8n export and an empty version folder `1/`. The model server cannot load it.
 */
export async function writeConfigWithoutOnnx(root: string, name = 'yolov8n'): Promise<void> {
  await mkdir(path.join(root, name, '1'), { recursive: true });
  await writeFile(
    path.join(root, name, 'config.json'),
    JSON.stringify({
      name,
      platform: 'onnx',
      inputs: [{ name: 'images', datatype: 'FP32', shape: [1, 3, 640, 640] }],
      outputs: [{ name: 'output0', datatype: 'FP32', shape: [1, 84, 8400] }],
    }),
  );
}
