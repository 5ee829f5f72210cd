import { buildRepository } from './repository/build-repository.js';
import { DEFAULT_REPOSITORY_DIR } from './repository/repository-status.js';

const repositoryDir = process.argv[2] ?? DEFAULT_REPOSITORY_DIR;
const started = performance.now();
for (const model of await buildRepository(repositoryDir)) {
  const megabytes = (model.onnxBytes / 1e6).toFixed(1);
  console.log(`built ${model.directory} (${megabytes} MB) in ${Math.round(model.milliseconds)} ms`);
  if (model.batchingProblem) console.log(`  unbatched (fixed batch of 1): ${model.batchingProblem}`);
}
console.log(`model repository ready in ${Math.round(performance.now() - started)} ms`);
