import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/child.js";

/** README.md and every docs/*.md: the pages a user reads. */
const pages = [
  "README.md",
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** A page's text without fenced code blocks or inline code, where `[x](y)` is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The relative link targets of a page: `[text](target)`, not URLs or mail addresses. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's anchors of a Markdown page's headings. */
function anchors(markdown: string): Set<string> {
  const slugs = [...prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)].map((m) =>
    (m[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-"),
  );
  return new Set(slugs);
}

/** Every link of a page that does not lead anywhere: its file is missing, or its heading. */
function brokenLinks(page: string): string[] {
  const text = readFileSync(join(REPO_ROOT, page), "utf8");
  const broken: string[] = [];
  for (const target of relativeLinks(text)) {
    const [path = "", anchor] = target.split("#");
    const file = path === "" ? join(REPO_ROOT, page) : join(REPO_ROOT, dirname(page), path);
    if (!existsSync(file) || relative(REPO_ROOT, file).startsWith("..")) {
      broken.push(`${target} (no such file)`);
    } else if (anchor && file.endsWith(".md") && !anchors(readFileSync(file, "utf8")).has(anchor)) {
      broken.push(`${target} (no such heading)`);
    }
  }
  return broken;
}

describe("links in README.md and docs/*.md", () => {
  it.each(pages)("every relative link in %s leads to an existing file and heading", (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });
});
