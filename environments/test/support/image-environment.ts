/** What a Dockerfile's last (runtime) stage sets with ENV: the environment every container of the image starts with. */
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser, Env } from 'dockerfile-ast';
import { environmentsDir } from '../../src/manifests/overlays.js';

export function runtimeEnvironment(dockerfileText: string): Record<string, string> {
  const instructions = DockerfileParser.parse(dockerfileText).getInstructions();
  const lastFrom = instructions.map((instruction) => instruction.getKeyword()).lastIndexOf('FROM');
  const environment: Record<string, string> = {};
  for (const instruction of instructions.slice(lastFrom)) {
    if (!(instruction instanceof Env)) continue;
    for (const property of instruction.getProperties())
      environment[property.getName()] = property.getValue() ?? '';
  }
  return environment;
}

export const backendDockerfile = () =>
  fs.readFileSync(path.join(environmentsDir, '../services/backend/Dockerfile'), 'utf8');
