import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2).filter((argument) => argument !== '--'));
