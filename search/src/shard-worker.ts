/**
 * One shard of a ShardedIndex: a ProductIndex over the products hashed to it, in its own thread.
 * Messages are handled in the order sent, so a search sent after a write sees it.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { workerBuilder } from './builder.js';
import { ProductIndex } from './product-index.js';
import type { ShardReply, ShardRequest } from './shards.js';

const port = parentPort!;
const reply = (message: ShardReply) => port.postMessage(message);

const { maxDelta } = workerData as { maxDelta?: number };
const index = new ProductIndex({
  maxDelta,
  // The shards' bases are built on the corpus's average field lengths, and their later ones too.
  pinAverages: true,
  // Compactions build in a thread of their own, so this shard answers searches meanwhile.
  builder: workerBuilder,
  onCompacted: (serialized, checkpoint) =>
    reply({ event: 'compacted', serialized, checkpoint, statistics: index.baseStatistics() }),
  onError: (err) => reply({ event: 'error', message: String((err as Error)?.stack ?? err) }),
});

async function handle(request: ShardRequest): Promise<unknown> {
  switch (request.op) {
    case 'open': {
      // Restores the saved base; without one, takes the products and waits to be told the
      // corpus's statistics to build on ('build'), returning its share of them.
      index.checkpoint = request.checkpoint;
      // The last catalog's statistics are no base for this one's (a restore's compaction).
      index.useStatistics(undefined);
      if (request.base !== null && index.restore(request.products, request.base, request.changed)) {
        await index.compacted();
        return { how: 'restored', statistics: index.baseStatistics(), averages: index.baseAverages() };
      }
      return { how: 'staged', measure: index.stage(request.products) };
    }
    case 'build':
      await index.build(request.statistics);
      return { how: 'built', statistics: index.baseStatistics(), averages: index.baseAverages() };
    case 'statistics':
      index.useStatistics(request.corpus);
      return undefined;
    case 'upsert':
      index.upsert(request.product);
      return undefined;
    case 'remove':
      index.remove(request.id);
      return undefined;
    case 'checkpoint':
      index.checkpoint = request.seq;
      return undefined;
    case 'search':
      return index.partial(request.terms, request.params, request.known, request.typing, request.said);
    case 'together':
      return index.together(request.word, request.others);
    case 'categoriesSaying':
      return index.categoriesSaying(request.words);
    case 'compact':
      await index.compact();
      return undefined;
    case 'compacted':
      await index.compacted();
      return undefined;
    case 'heap':
      (globalThis as { gc?: () => void }).gc?.();
      // Typed arrays (the segments' postings) live outside the heap: external memory.
      return getHeapStatistics().used_heap_size + getHeapStatistics().external_memory;
  }
}

port.on('message', (request: ShardRequest) => {
  handle(request).then(
    (result) => {
      if (request.call !== undefined) reply({ call: request.call, result });
    },
    (err: unknown) => {
      const message = String((err as Error)?.stack ?? err);
      if (request.call !== undefined) reply({ call: request.call, error: message });
      else reply({ event: 'error', message });
    },
  );
});
