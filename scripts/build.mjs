// `npm run build`: the server (src/main.ts and what it imports, sandbox included) bundled by esbuild into
// dist/server/main.js, and the web app (vite) into web/dist. `npm start` runs this with --if-stale first (its
// `prestart`): each part is rebuilt only when a file it is built from is newer than that part's stamp, so a fresh
// clone's first start builds everything and a later start costs one walk over the sources' mtimes (plain Node, no
// TypeScript loader, well under a second). Plain JavaScript on purpose: it runs before anything is built.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { dirname, join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const ifStale = process.argv.includes("--if-stale")

/** The newest mtime (ms) of the files under `paths`, skipping node_modules and build output. */
const newest = (paths) => {
  let latest = 0
  const visit = (path) => {
    if (!existsSync(path)) return
    const stat = statSync(path)
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) {
        if (name === "node_modules" || name === "dist" || name.endsWith(".test.ts") || name.endsWith(".test.tsx"))
          continue
        visit(join(path, name))
      }
    } else if (stat.mtimeMs > latest) latest = stat.mtimeMs
  }
  for (const path of paths) visit(join(root, path))
  return latest
}

const parts = {
  server: {
    inputs: ["src", "sandbox", "package.json", "package-lock.json", "scripts/build.mjs"],
    output: "dist/server/main.js",
    stamp: "dist/server/.build-stamp.json",
    build: async () => {
      const { build } = await import("esbuild")
      await build({
        absWorkingDir: root,
        // The service, and the webhook worker's thread (WEBHOOK_WORKER_THREAD), loaded by URL beside it.
        entryPoints: [
          { in: "src/main.ts", out: "main" },
          { in: "src/WebhookWorkerThread.ts", out: "webhook-worker" }
        ],
        outdir: "dist/server",
        bundle: true,
        // Dependencies load from node_modules as under tsx (PGlite's WASM, pg's native-free driver...).
        packages: "external",
        platform: "node",
        format: "esm",
        target: "node22",
        sourcemap: true,
        legalComments: "none",
        logLevel: "warning"
      })
      // The embedded database's worker thread is loaded by URL beside the module that starts it.
      copyFileSync(
        join(root, "src/adapters/persistence/pglite-worker.mjs"),
        join(root, "dist/server/pglite-worker.mjs")
      )
    }
  },
  // The embedded database's prepared cluster (src/adapters/persistence/PgliteCluster.ts): initdb run once here, so
  // a fresh data directory is a copy of it and the service never holds initdb's memory peak.
  database: {
    inputs: ["package-lock.json", "scripts/build.mjs"],
    output: "dist/pglite-cluster/PG_VERSION",
    stamp: "dist/.pglite-cluster-stamp.json",
    build: async () => {
      const { PGlite } = await import("@electric-sql/pglite")
      const cluster = join(root, "dist/pglite-cluster")
      const partial = `${cluster}.partial`
      rmSync(partial, { recursive: true, force: true })
      const db = await PGlite.create({ dataDir: partial })
      await db.close()
      rmSync(cluster, { recursive: true, force: true })
      renameSync(partial, cluster)
      const { version } = JSON.parse(readFileSync(join(root, "node_modules/@electric-sql/pglite/package.json"), "utf8"))
      writeFileSync(`${cluster}.json`, `${JSON.stringify({ pglite: version })}\n`)
    }
  },
  web: {
    inputs: ["web", "package.json", "package-lock.json"],
    output: "web/dist/index.html",
    stamp: "web/dist/.build-stamp.json",
    build: async () => {
      const { build } = await import("vite")
      await build({ configFile: join(root, "web/vite.config.ts"), logLevel: "warn" })
    }
  }
}

for (const [name, part] of Object.entries(parts)) {
  const stampPath = join(root, part.stamp)
  const sources = newest(part.inputs)
  if (ifStale && existsSync(join(root, part.output)) && existsSync(stampPath)) {
    const stamp = JSON.parse(readFileSync(stampPath, "utf8"))
    if (stamp.sources >= sources) continue
  }
  const started = Date.now()
  await part.build()
  mkdirSync(dirname(stampPath), { recursive: true })
  writeFileSync(stampPath, `${JSON.stringify({ sources, builtAt: new Date().toISOString() })}\n`)
  console.log(`build: ${name} built in ${Date.now() - started} ms (${part.output})`)
}
