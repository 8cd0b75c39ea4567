// The function's version: package.json's, put in by the build (scripts/build.mjs) and by the
// test runner (vitest.config.mts), so that a run in the tests stamps what the bundle stamps.
declare const VERSION: string;

export const FUNCTION_VERSION: string = VERSION;
