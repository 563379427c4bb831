/** One benchmark figure, optionally compared with a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** What `ratio` compares against, e.g. "JSON stringify+parse of the same batches". */
  baseline?: string;
  /** value / baseline value (for sizes: value / reference size). */
  ratio?: number;
}

const fmt = (n: number) =>
  Number.isInteger(n)
    ? n.toLocaleString("en-US")
    : n.toLocaleString("en-US", { maximumFractionDigits: 2 });

/** Prints rows as an aligned plain-text table on stdout. */
export function printTable(rows: BenchRow[]): void {
  const cells = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.ratio === undefined ? "" : `${fmt(r.ratio)}x`,
    r.baseline ?? "",
  ]);
  const header = ["benchmark", "value", "ratio", "baseline"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => (c[i] as string).length)),
  );
  const line = (c: string[]) =>
    c
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const c of cells) console.log(line(c));
}
