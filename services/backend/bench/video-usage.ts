/** `--help` of the video benchmark: imported first, so usage is printed before anything is built or run. */
import { acceptOnlyHelp } from '@detection/model/bench-usage';

acceptOnlyHelp(`Usage: pnpm bench:video [--help]

Builds the backend bundle, starts the real model server and the bundled backend (VIDEO_WORKERS=1) on 127.0.0.1,
generates a 30 s 640x360 clip (a pan over a shipped COCO photo, 25 fps) with the npm-installed ffmpeg, and
measures POST /videos?fps=5 end to end: sampled frames per second from upload to completed job, against the model
server's own best throughput on the same frames measured in the same run (direct calls at concurrency 1, 2, 4
and 8), time to the first frame result, and the peak RSS of the backend (where the worker runs) and of its
ffmpeg. Writes bench/results/video.json at the repository root.`);
