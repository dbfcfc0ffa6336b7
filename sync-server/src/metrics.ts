import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerToken, sameSecret } from './tokens.js';

/**
 * Whether a request may read `/metrics`: always when no token is configured (the operator keeps
 * the endpoint off the public side of a proxy), else only with `Authorization: Bearer <token>`
 * (what Prometheus sends with `authorization: {credentials: ...}` in its scrape config).
 */
export function metricsAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  const presented = bearerToken(authorization);
  return presented !== undefined && sameSecret(presented, token);
}

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
    documentBytes: new Gauge({
      name: 'shopsync_sync_document_bytes',
      help: 'Stored size of the cart documents held in memory, summed (the limit is maxMemoryBytes)',
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
