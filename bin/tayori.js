#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm install compiles src/ to dist/).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
