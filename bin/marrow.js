#!/usr/bin/env node
// `npx marrow import-master …`: the edge's import command from the repository root, run
// through tsx's loader like `marrow-edge` (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../edge/src/cli/marrow.ts');
