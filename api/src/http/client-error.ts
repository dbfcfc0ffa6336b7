import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody } from './errors.js';
import { BASE_HEADERS } from './headers.js';

/** What Node's parser (or its request timer) found wrong with a request, as the shop answers it. */
function answerFor(code: string | undefined, reason: string | undefined): [number, string, string, string] {
  switch (code) {
    // RFC 9110 would have 501 for a method the server does not know, but API.md promises that
    // nothing a client sends produces a 5xx: 405, with the methods the shop answers.
    case 'HPE_INVALID_METHOD':
      return [405, 'Method Not Allowed', 'method_not_allowed', 'the shop does not know this HTTP method'];
    case 'HPE_HEADER_OVERFLOW':
      return [
        431,
        'Request Header Fields Too Large',
        'headers_too_large',
        'request headers are limited to 16 KiB',
      ];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Content Too Large', 'payload_too_large', 'chunk extensions are too large'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'request_timeout', 'the request was not received in time'];
    default:
      return [400, 'Bad Request', 'bad_request', `malformed HTTP request${reason ? `: ${reason}` : ''}`];
  }
}

/**
 * Node's `clientError`: a request Node refuses before the app sees it (a malformed request line or
 * header, an unknown method, headers over Node's limit, a request that stalls past its timeout).
 * Node's own answer is a bare status line with no body; this one is the JSON error every other
 * refusal is (`{ error: { code, message } }`) with the shop's usual headers, and closes the
 * connection, as Node does: the parser cannot tell where the next request would begin.
 */
export function answerClientError(err: Error & { code?: string; reason?: string }, socket: Socket): void {
  // Nothing to answer: the client went away, or an answer has already begun on this connection
  // (an earlier request's on a kept-alive connection is finished and detached by now).
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, text, code, message] = answerFor(err.code, err.reason);
  answerAndClose(socket, status, text, code, message);
}

/**
 * An upgrade the shop does not make: anything but a WebSocket to `/sync/<cart>` (an HTTP/2
 * upgrade, `curl --http2` on http://, or a WebSocket to another path). With an 'upgrade'
 * listener, Node hands every request that asks for one to it, the parser already gone: it is
 * answered here, in the shop's JSON, and closed, rather than with a bare 404.
 */
export function answerRefusedUpgrade(socket: Duplex): void {
  socket.on('error', () => {}); // a client gone already: nothing to answer
  answerAndClose(
    socket,
    400,
    'Bad Request',
    'upgrade_refused',
    'only /sync/<cart id> is upgraded, to a WebSocket; send other requests without Upgrade',
  );
}

function answerAndClose(socket: Duplex, status: number, text: string, code: string, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  const head = [
    `HTTP/1.1 ${status} ${text}`,
    ...BASE_HEADERS.map(([name, value]) => `${name}: ${value}`),
    ...(status === 405 ? ['Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'] : []),
    'Content-Type: application/json; charset=UTF-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
