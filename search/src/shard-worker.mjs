// The worker's entry is JavaScript, so that Node can start it in any thread (hooks that a parent
// registered with `--import tsx` do not reach worker threads on Node 20); tsx compiles the rest.
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
