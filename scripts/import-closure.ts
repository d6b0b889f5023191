/**
 * Counts the files a path of the service reaches through relative imports (`import`/`export … from "./…"`,
 * `import("./…")`, type-only imports included): the "how many files does a newcomer cross" figure of issue 12.
 *
 *   npx tsx scripts/import-closure.ts [--rev <commit>] [--list]
 *
 * With `--rev` the files are read from that commit (`git show`), else from the working tree. Prints each path's
 * count (and with `--list` its files).
 */
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, normalize, resolve } from "node:path"

/** The two paths of issue 12: Connect WhatsApp, and a webhook from the route to the rows. */
export const PATHS: Readonly<Record<string, ReadonlyArray<string>>> = {
  "connect-whatsapp": ["src/adapters/http/WhatsAppRoutes.ts", "src/adapters/graphql/schema/whatsapp.ts"],
  webhook: [
    "src/adapters/http/WebhookRoutes.ts",
    "src/application/webhooks/WebhookProcessor.ts",
    "src/adapters/persistence/WebhookInboxPg.ts",
    "src/adapters/persistence/ConnectionRepositoryPg.ts",
    "src/adapters/persistence/ConversationRepositoryPg.ts",
    "src/adapters/persistence/MessageRepositoryPg.ts",
    "src/adapters/persistence/ConnectionHealthRepositoryPg.ts"
  ]
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g

/** Reads a project file from `rev` (git) or the working tree; undefined when it is not there. */
export const reader =
  (root: string, rev: string | undefined) =>
  (path: string): string | undefined => {
    if (rev === undefined) return existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : undefined
    try {
      return execFileSync("git", ["show", `${rev}:${path}`], { cwd: root, encoding: "utf8", stdio: "pipe" })
    } catch {
      return undefined
    }
  }

/** Every file reachable from `entries` by relative imports (the entries included), sorted. */
export const importClosure = (
  entries: ReadonlyArray<string>,
  read: (path: string) => string | undefined
): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const queue = [...entries]
  while (queue.length > 0) {
    const path = queue.pop()!
    if (seen.has(path)) continue
    const source = read(path)
    if (source === undefined) continue
    seen.add(path)
    for (const match of source.matchAll(IMPORT)) {
      const target = normalize(join(dirname(path), match[1] ?? match[2]!))
      if (!seen.has(target)) queue.push(target)
    }
  }
  return [...seen].sort()
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2)
  const revAt = args.indexOf("--rev")
  const rev = revAt === -1 ? undefined : args[revAt + 1]
  const read = reader(resolve(import.meta.dirname, ".."), rev)
  for (const [name, entries] of Object.entries(PATHS)) {
    const files = importClosure(entries, read)
    console.log(`${name}: ${files.length} files${rev === undefined ? "" : ` at ${rev}`}`)
    if (args.includes("--list")) for (const file of files) console.log(`  ${file}`)
  }
}
