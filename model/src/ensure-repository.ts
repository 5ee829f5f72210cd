import { buildRepository } from './repository/build-repository.js';
import { DEFAULT_REPOSITORY_DIR, staleReason } from './repository/repository-status.js';

const reason = await staleReason(DEFAULT_REPOSITORY_DIR);
if (reason === null) {
  console.log(`model repository ${DEFAULT_REPOSITORY_DIR} is up to date`);
} else {
  console.log(`building the model repository: ${reason}`);
  for (const model of await buildRepository(DEFAULT_REPOSITORY_DIR)) {
    console.log(`built ${model.directory} in ${Math.round(model.milliseconds)} ms`);
    if (model.batchingProblem) console.log(`  unbatched (fixed batch of 1): ${model.batchingProblem}`);
  }
}
