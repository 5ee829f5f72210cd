import packageJson from '../package.json' with { type: 'json' };

export const serviceVersion: string = packageJson.version;
