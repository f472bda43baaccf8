import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { JsonRpcServer } from "hardhat/types";
import { ChainError } from "./errors";
import { screenRequest, type HttpRefusal } from "./rpc-auth";

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** JSON-RPC "invalid request": the body a refused HTTP request gets, so JSON-RPC clients show the message. */
const REFUSED_CODE = -32600;

/**
 * Puts {@link screenRequest} in front of a chain's `hardhat node` server: the listeners Hardhat
 * attached (its JSON-RPC handler on `request`, the websocket server on `upgrade`) only see
 * requests that pass. Hardhat's handler answers OPTIONS and every reply with
 * `Access-Control-Allow-Origin: *`; a refused request never reaches it, so no CORS header is ever
 * sent to a browser. Call it after the server is built and before it listens.
 */
export function screenServer(server: Server, token: string | undefined): void {
  const requests = server.listeners("request") as RequestListener[];
  const upgrades = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("request");
  server.removeAllListeners("upgrade");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const refusal = screenRequest(req.method, req.headers, token);
    if (refusal === undefined) {
      for (const listener of requests) listener.call(server, req, res);
      return;
    }
    // The body is drained so the connection can be reused; nothing in it is read.
    req.resume();
    res.writeHead(refusal.status, { "content-type": "application/json", ...refusal.headers });
    res.end(refusalBody(refusal));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = screenRequest(req.method, req.headers, token);
    if (refusal === undefined) {
      for (const listener of upgrades) listener.call(server, req, socket, head);
      return;
    }
    const body = refusalBody(refusal);
    const headers = Object.entries({
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      connection: "close",
      ...refusal.headers,
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? "Refused"}\r\n${headers}\r\n${body}`);
  });
}

const STATUS_TEXT: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 405: "Method Not Allowed" };

function refusalBody(refusal: HttpRefusal): string {
  return JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: REFUSED_CODE, message: refusal.message } });
}

/**
 * {@link screenServer} on the node:http server inside Hardhat 2's `JsonRpcServer` (the object
 * `TASK_NODE_CREATE_SERVER` returns), which keeps it in `_httpServer`. A Hardhat whose server is
 * built differently fails here, so a chain never serves unscreened.
 */
export function screenHardhatServer(server: JsonRpcServer, token: string | undefined): void {
  const http = (server as unknown as { _httpServer?: Server })._httpServer;
  if (http === undefined || typeof http.listeners !== "function" || http.listeners("request").length === 0) {
    throw new ChainError(
      "hardhat's JsonRpcServer has no _httpServer with a request handler: cannot screen chain requests (was Hardhat upgraded?)",
    );
  }
  screenServer(http, token);
}
