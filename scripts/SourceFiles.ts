/**
 * The source files the lint checks read: every `.ts`/`.tsx` below a folder, not declarations, not tests, not
 * `node_modules` or `dist`; a missing folder has none. Shared by check-meta-wire.ts and check-status-writes.ts.
 */
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

export const sourceFiles = (directory: string): ReadonlyArray<string> => {
  try {
    return readdirSync(directory).flatMap((name) => {
      const path = join(directory, name)
      if (statSync(path).isDirectory()) return name === "node_modules" || name === "dist" ? [] : sourceFiles(path)
      return /\.(ts|tsx)$/.test(name) && !name.endsWith(".d.ts") && !/\.test\.tsx?$/.test(name) ? [path] : []
    })
  } catch {
    return []
  }
}
