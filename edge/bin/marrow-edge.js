#!/usr/bin/env node
// The appliance is written in TypeScript and run through tsx's loader, so the repository
// needs no build step: `npx marrow-edge …` works right after `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
