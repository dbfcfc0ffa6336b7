import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics(registry = new Registry()) {
  return {
    registry,
    connections: new Gauge({
      name: 'shopsync_sync_connections',
      help: 'Open sync connections',
      registers: [registry],
    }),
    rooms: new Gauge({
      name: 'shopsync_sync_rooms',
      help: 'Cart documents held in memory',
      registers: [registry],
    }),
    updates: new Counter({
      name: 'shopsync_sync_updates_total',
      help: 'Document updates persisted',
      registers: [registry],
    }),
    bytesIn: new Counter({
      name: 'shopsync_sync_bytes_in_total',
      help: 'Bytes received from clients',
      registers: [registry],
    }),
    bytesOut: new Counter({
      name: 'shopsync_sync_bytes_out_total',
      help: 'Bytes sent to clients',
      registers: [registry],
    }),
    refused: new Counter({
      name: 'shopsync_sync_refused_total',
      help: 'Connections refused or closed for cause',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    persistSeconds: new Histogram({
      name: 'shopsync_sync_persist_seconds',
      help: 'Time to commit one group of updates',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
  };
}

export type SyncMetrics = ReturnType<typeof createMetrics>;
