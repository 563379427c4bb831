export interface MultipartFile {
  content: Buffer;
  /** The part's `filename`, when the client sent one. */
  filename: string | undefined;
}

/**
 * Reads one file field out of a `multipart/form-data` body (RFC 7578), as
 * the snapshot upload endpoint receives it. Returns undefined when the body is
 * not multipart or has no such field.
 */
/** Whether a `multipart/form-data` body ends with its closing `--boundary--`. */
export function multipartComplete(contentType: string | undefined, body: Buffer): boolean {
  const boundary = boundaryOf(contentType);
  return boundary !== undefined && body.includes(`--${boundary}--`);
}

function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
  return match?.[1] ?? match?.[2];
}

export function multipartField(
  contentType: string | undefined,
  body: Buffer,
  field: string,
): MultipartFile | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    // `--boundary--` closes the body.
    if (body.subarray(partStart, partStart + 2).toString() === "--") return undefined;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) return undefined;
    const part = body.subarray(partStart, next);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
      if (name === field) {
        // The part's content ends before the CRLF that precedes the next delimiter.
        const content = part.subarray(headerEnd + 4);
        const filename = /\bfilename="([^"]*)"/i.exec(headers)?.[1];
        return { content: content.subarray(0, content.length - 2), filename };
      }
    }
    start = next;
  }
  return undefined;
}
