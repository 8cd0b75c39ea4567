#!/usr/bin/env node
import { nodeIo, run } from './cli.js';

// The build loads the bundle to warm V8's code cache with sample runs (scripts/build.mjs); it
// hands the bundle a module of its own, so only a real start runs the function.
export { nodeIo, run };

if (require.main === module) {
  let status = 1;
  try {
    status = run(process.argv.slice(2), nodeIo());
  } catch (e) {
    // run() reports every failure itself; this is the last line of defence, and still one line.
    process.stderr.write(`celery-queues: error: internal error: ${String(e).split('\n')[0]}\n`);
  }
  // Output went out with synchronous writes: nothing is pending.
  process.exit(status);
}
