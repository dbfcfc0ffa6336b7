import net from 'node:net';

export interface JsonResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: benchmarks read a field or two of the answer
  json: any;
}

interface Waiter {
  request: string;
  resolve: (r: JsonResponse) => void;
  reject: (err: Error) => void;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection, one request at a time. It reads what a JSON API answers
 * (a Content-Length or a chunked body) and nothing more: no header objects, no streams, no
 * trailers, no body delimited by the connection's end, no transfer codings but chunked alone.
 * Enough for this project's server; anything else fails the connection rather than guessing.
 */
class Connection {
  private readonly socket: net.Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private current: Waiter | undefined;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly done: (connection: Connection) => void,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('the connection closed')));
  }

  send(waiter: Waiter): void {
    this.current = waiter;
    this.socket.write(waiter.request, 'latin1');
  }

  destroy(): void {
    this.fail(new Error('the client closed'));
  }

  /** Ends the connection once: its request (if any) fails, and the pool hears of it once. */
  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const waiter = this.current;
    this.current = undefined;
    waiter?.reject(err);
    this.done(this);
  }

  private onData(chunk: Buffer): void {
    // An answer nobody asked for (a 408 on an idle socket): the connection is out of step.
    if (!this.current) {
      this.fail(new Error('an answer to no request'));
      return;
    }
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headEnd);
    const status = Number(head.slice(9, 12));
    const bodyStart = headEnd + 4;
    let body: Buffer | undefined;
    let end = 0;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      end = bodyStart + Number(length[1]);
      if (this.buffer.length < end) return;
      body = this.buffer.subarray(bodyStart, end);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      let at = bodyStart;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const line = this.buffer.toString('latin1', at, lineEnd);
        const size = /^[0-9a-f]+$/i.test(line) ? Number.parseInt(line, 16) : Number.NaN;
        if (!Number.isFinite(size)) {
          this.fail(new Error(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`));
          return;
        }
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (this.buffer.toString('latin1', lineEnd + 2 + size, lineEnd + 4 + size) !== '\r\n') {
          this.fail(new Error('a chunk not followed by CRLF'));
          return;
        }
        if (size === 0) {
          end = lineEnd + 4;
          break;
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      body = Buffer.alloc(0);
      end = bodyStart;
    }
    this.buffer = this.buffer.subarray(end);
    let json: unknown;
    try {
      json = body.length ? JSON.parse(body.toString()) : undefined;
    } catch {
      json = undefined;
    }
    const waiter = this.current;
    this.current = undefined;
    waiter.resolve({ status, json });
    // Bytes past the answer are an answer to no request: the connection is out of step.
    if (this.buffer.length > 0 || /\r\nconnection:\s*close/i.test(head))
      this.fail(new Error('connection ended'));
    else this.done(this);
  }
}

/**
 * A lean JSON client for load generation: raw keep-alive HTTP/1.1 over up to `sockets`
 * connections, the request written as one string, the answer parsed as far as a JSON API needs.
 * On this shared 2-core machine the load generator competes with the server for CPU, so it
 * should cost as little as a real client fleet would cost the server's machine, which is nothing:
 * node:http's client took 130-220 µs of CPU per order in the checkout benchmark.
 */
export class LoadClient {
  private readonly host: string;
  private readonly port: number;
  private readonly idle: Connection[] = [];
  private readonly queue: Waiter[] = [];
  private readonly all = new Set<Connection>();
  private closed = false;

  constructor(
    base: string,
    private readonly sockets: number,
  ) {
    const url = new URL(base);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
  }

  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<JsonResponse> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    let request = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
    for (const name in headers) request += `${name}: ${headers[name]}\r\n`;
    if (body !== undefined)
      request += `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`;
    // latin1 on the wire: the payload is written as UTF-8 bytes spelled as latin1 characters.
    request += `\r\n${Buffer.from(payload).toString('latin1')}`;
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Closes every connection; requests still queued fail, and none is sent any more. */
  close(): void {
    this.closed = true;
    for (const waiter of this.queue.splice(0)) waiter.reject(new Error('the client closed'));
    for (const connection of this.all) connection.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private pump(): void {
    while (!this.closed && this.queue.length > 0) {
      let connection = this.idle.pop();
      if (!connection && this.all.size < this.sockets) {
        connection = new Connection(this.host, this.port, (c) => this.release(c));
        this.all.add(connection);
      }
      if (!connection) return;
      connection.send(this.queue.shift()!);
    }
  }

  private release(connection: Connection): void {
    if (connection.closed) {
      this.all.delete(connection);
      const at = this.idle.indexOf(connection);
      if (at >= 0) this.idle.splice(at, 1);
    } else this.idle.push(connection);
    this.pump();
  }
}
