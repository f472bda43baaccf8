// A fake Kubo RPC API for the KuboStore tests: the few routes the store uses, answering the way
// Kubo does (JSON bodies, ndjson streams, 500 + {Message} on errors), with an in-memory repo.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";

export interface FakeKubo {
  url: string;
  /** Every route called, in order (e.g. "block/put"). */
  calls: string[];
  /** Makes `block/get` of `cid` answer `bytes` instead of the stored block. */
  tamper(cid: string, bytes: Uint8Array): void;
  close(): Promise<void>;
}

export async function startFakeKubo(): Promise<FakeKubo> {
  const blocks = new Map<string, Uint8Array>();
  const pins = new Set<string>();
  const tampered = new Map<string, Uint8Array>();
  const calls: string[] = [];

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body) + "\n");
  };
  const fail = (res: http.ServerResponse, message: string): void =>
    json(res, 500, { Message: message, Code: 0, Type: "error" });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://fake");
        const route = url.pathname.replace(/^\/api\/v0\//, "");
        calls.push(route);
        const arg = url.searchParams.get("arg") ?? "";
        if (req.method !== "POST") return json(res, 405, { Message: "method not allowed" });
        switch (route) {
          case "version":
            return json(res, 200, { Version: "0.0.0-fake", Commit: "", Repo: "16", System: "fake", Golang: "" });
          case "block/put": {
            const form = await new Request("http://fake/", {
              method: "POST",
              headers: { "content-type": req.headers["content-type"] ?? "" },
              body: Buffer.concat(chunks),
            }).formData();
            const file = [...form.values()][0] as Blob;
            const bytes = new Uint8Array(await file.arrayBuffer());
            if (url.searchParams.get("cid-codec") !== "raw") return fail(res, "fake kubo only stores raw blocks");
            const cid = CID.createV1(raw.code, await sha256.digest(bytes)).toString();
            blocks.set(cid, bytes);
            return json(res, 200, { Key: cid, Size: bytes.length });
          }
          case "block/get": {
            const bytes = tampered.get(arg) ?? blocks.get(arg);
            if (bytes === undefined)
              return fail(res, `block was not found locally (offline): ipld: could not find ${arg}`);
            res.writeHead(200, { "content-type": "application/octet-stream" });
            return res.end(Buffer.from(bytes));
          }
          case "block/stat": {
            const bytes = blocks.get(arg);
            if (bytes === undefined)
              return fail(res, `block was not found locally (offline): ipld: could not find ${arg}`);
            return json(res, 200, { Key: arg, Size: bytes.length });
          }
          case "pin/add":
            if (!blocks.has(arg))
              return fail(res, `pin: block was not found locally (offline): ipld: could not find ${arg}`);
            pins.add(arg);
            return json(res, 200, { Pins: [arg] });
          case "pin/rm":
            if (!pins.delete(arg)) return fail(res, "not pinned or pinned indirectly");
            return json(res, 200, { Pins: [arg] });
          case "pin/ls":
            if (!pins.has(arg)) return fail(res, `path '${arg}' is not pinned`);
            return json(res, 200, { Cid: arg, Type: "recursive" });
          default:
            res.writeHead(404, { "content-type": "text/plain" });
            return res.end("404 page not found");
        }
      })().catch((err: Error) => fail(res, err.message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    tamper: (cid, bytes) => void tampered.set(cid, bytes),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A loopback URL on which nothing listens (a port just released by the OS). */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
