#!/usr/bin/env node
import { nodeIo, run } from './cli.js';

// The build loads the bundle to warm V8's code cache with sample runs (scripts/build.mjs); it
// hands the bundle a module of its own, so only a real start runs the function.
export { nodeIo, run };

if (require.main === module) process.exit(run(process.argv.slice(2), nodeIo()));
