#!/usr/bin/env node
import { nodeIo, run } from './cli.js';

process.exitCode = run(process.argv.slice(2), nodeIo());
