/**
 * Builds the service as `scripts/build.mjs` does, into `dist/ab/<name>/`, with one text replaced in one source
 * file: an experiment's variant for `intake-closed-ab.ts` / `intake-ab.ts` without touching the tree (issue 18.3,
 * w10B). `dist/ab/` sits under the worktree so that the bundle finds `node_modules`.
 *
 *   npx tsx bench/intake-variant.ts w2 GroupCommit.ts "const WRITERS = 4" "const WRITERS = 2"
 *   DATABASE_URL=… npx tsx bench/intake-closed-ab.ts --a dist/server/main.js --b dist/ab/w2/main.js --peer
 */
import { copyFileSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import { build } from "esbuild"

const [name, file, from, to] = process.argv.slice(2)
if (name === undefined || file === undefined || from === undefined || to === undefined)
  throw new Error("usage: intake-variant.ts <name> <file name> <text> <replacement>")
const root = resolve(import.meta.dirname, "..")
const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
let replaced = 0
await build({
  absWorkingDir: root,
  entryPoints: [
    { in: "src/main.ts", out: "main" },
    { in: "src/WebhookWorkerThread.ts", out: "webhook-worker" }
  ],
  outdir: `dist/ab/${name}`,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [
    {
      name: "replace",
      setup: (builder) =>
        builder.onLoad({ filter: new RegExp(`[/\\\\]${escaped}$`) }, (args) => {
          const text = readFileSync(args.path, "utf8")
          if (!text.includes(from)) throw new Error(`"${from}" is not in ${args.path}`)
          replaced++
          return { contents: text.replace(from, to), loader: "ts" }
        })
    }
  ]
})
if (replaced === 0) throw new Error(`no file named ${file} in the bundle`)
copyFileSync(
  resolve(root, "src/adapters/persistence/pglite-worker.mjs"),
  resolve(root, `dist/ab/${name}/pglite-worker.mjs`)
)
console.log(`built dist/ab/${name}/main.js (${file}: "${from}" → "${to}")`)
