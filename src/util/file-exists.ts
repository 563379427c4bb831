import { access } from "node:fs/promises";

/** Whether `path` exists (and can be seen by this process). */
export async function fileExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
