#!/usr/bin/env node
// The `pantry` command. Pantry runs its TypeScript sources directly through tsx, so
// `npx pantry <command>` works right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api'

register()
await import('./main.ts')
