/** Node socket error codes shared by the Postgres and the Qdrant error typing. */

/** Socket errors that mean nothing answered at that address. */
export const UNREACHABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/** Node's errors for a TLS certificate it would not accept. */
export const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/;
