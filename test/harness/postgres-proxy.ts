import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/** How the proxy treats the next COMMIT a client sends. */
export type CommitFault =
  /** Postgres commits; the reply is dropped and the connection closed. */
  | "lose-reply"
  /** COMMIT reaches Postgres and the connection is closed at once, while it runs. */
  | "cut-after-send"
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

// The startup packet has no type byte; these request codes come before it.
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * A TCP proxy in front of Postgres that injects faults into COMMIT: the one
 * moment where a lost connection leaves it unknown whether a transaction
 * took effect. It splits what a client sends into protocol messages and
 * recognises the simple-protocol Query message `commit` (what pg sends for
 * Kysely's `commit`).
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
    const close = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    const cut = (andRefuse: boolean) => (andRefuse ? cutAll() : close());
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);

    // Set once this connection's COMMIT went through with its reply to be lost.
    let loseReply: { andRefuse: boolean } | undefined;
    let started = false;
    let pending = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const size = messageSize(pending, started);
        if (size === undefined) return;
        const message = pending.subarray(0, size);
        pending = pending.subarray(size);
        if (!started) {
          const code = message.readUInt32BE(4);
          started = code !== SSL_REQUEST && code !== GSSENC_REQUEST;
        } else if (fault && isCommit(message)) {
          const { kind, andRefuse } = fault;
          fault = undefined;
          if (andRefuse) refusing = true;
          if (kind === "drop-before") return cut(andRefuse);
          upstream.write(message);
          if (kind === "cut-after-send") return cut(andRefuse);
          loseReply = { andRefuse };
          continue;
        }
        upstream.write(message);
      }
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!loseReply) {
        client.write(chunk);
        return;
      }
      // Postgres answered the COMMIT, so it is done; the client never hears.
      cut(loseReply.andRefuse);
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

/** The size of the first whole message in `buffer`, or undefined while it is incomplete. */
function messageSize(buffer: Buffer, started: boolean): number | undefined {
  // Before the startup packet: Int32 length (itself included), no type byte.
  const header = started ? 5 : 4;
  if (buffer.length < header) return undefined;
  const size = started ? 1 + buffer.readUInt32BE(1) : buffer.readUInt32BE(0);
  return buffer.length < size ? undefined : size;
}

/** A Query message ('Q', length, text) whose text is COMMIT. */
function isCommit(message: Buffer): boolean {
  return message[0] === 0x51 && /^commit\0$/i.test(message.subarray(5).toString("latin1"));
}
