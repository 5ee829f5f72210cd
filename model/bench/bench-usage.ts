import { parseArgs } from 'node:util';

/**
 * The command line of a script that takes no arguments but `--help`: `--help`/`-h` prints `usage` and exits 0,
 * anything else is refused with the usage and exit code 2. Import it before anything expensive is loaded or run.
 */
export function acceptOnlyHelp(usage: string, args = process.argv.slice(2)): void {
  let help: boolean | undefined;
  try {
    ({ help } = parseArgs({
      args: args.filter((arg) => arg !== '--'),
      options: { help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (help) {
    console.log(usage);
    process.exit(0);
  }
}
