import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

/** How the proxy treats the next COMMIT a client sends. */
export type CommitFault =
  /** Postgres commits; the reply is dropped and the connection closed. */
  | "lose-reply"
  /** The connection is closed before COMMIT reaches Postgres. */
  | "drop-before";

export interface PostgresProxy {
  /** `url` with the proxy's address in place of the server's. */
  readonly url: string;
  /** Injects `fault` into the next COMMIT; `andRefuse` then also cuts every connection and refuses new ones. */
  failNextCommit(fault: CommitFault, opts?: { andRefuse?: boolean }): void;
  /** Accepts connections again after `andRefuse`. */
  accept(): void;
  close(): Promise<void>;
}

// A simple-protocol Query message for COMMIT: what pg sends for Kysely's `commit`.
const COMMIT = /^commit\0$/i;

/**
 * A TCP proxy in front of Postgres that injects faults into COMMIT: the one
 * moment where a lost connection leaves it unknown whether a transaction
 * took effect. Recognises the simple-protocol Query message only.
 */
export async function startPostgresProxy(url: string): Promise<PostgresProxy> {
  const target = new URL(url);
  const pairs = new Set<[Socket, Socket]>();
  let fault: { kind: CommitFault; andRefuse: boolean } | undefined;
  let refusing = false;

  const cutAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // Set once this connection's COMMIT went through with its reply to be lost.
    let loseReply: { andRefuse: boolean } | undefined;
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.on("data", (chunk: Buffer) => {
      if (fault && isCommit(chunk)) {
        const { kind, andRefuse } = fault;
        fault = undefined;
        if (andRefuse) refusing = true;
        if (kind === "drop-before") {
          if (andRefuse) cutAll();
          else close();
          return;
        }
        loseReply = { andRefuse };
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!loseReply) {
        client.write(chunk);
        return;
      }
      // Postgres answered the COMMIT, so it is done; the client never hears.
      if (loseReply.andRefuse) cutAll();
      else close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    failNextCommit(kind, opts = {}) {
      fault = { kind, andRefuse: opts.andRefuse ?? false };
    },
    accept() {
      refusing = false;
    },
    async close() {
      cutAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A Query message ('Q', length, text) whose text is COMMIT. */
function isCommit(chunk: Buffer): boolean {
  if (chunk.length < 5 || chunk[0] !== 0x51) return false;
  const length = chunk.readUInt32BE(1);
  return COMMIT.test(chunk.subarray(5, 1 + length).toString("latin1"));
}
