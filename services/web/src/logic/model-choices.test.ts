import { describe, expect, it } from 'vitest';
import { modelChoices } from './model-choices.js';

const entry = (name: string, version: string | null, state: string | null) => ({
  name,
  version,
  state,
  reason: state === 'READY' ? '' : 'not loaded',
});

describe('modelChoices', () => {
  it('Should give one choice per model: its highest ready version, or its highest version when none is ready', () => {
    expect(
      modelChoices([
        entry('blazeface', '1', 'READY'),
        entry('blazeface', '2', 'READY'),
        entry('blazeface', '3', 'UNAVAILABLE'),
        entry('later', '1', 'UNAVAILABLE'),
        entry('later', '4', 'UNAVAILABLE'),
        entry('plain', null, null),
      ]),
    ).toEqual([
      entry('blazeface', '2', 'READY'),
      entry('later', '4', 'UNAVAILABLE'),
      entry('plain', null, null),
    ]);
  });
});
