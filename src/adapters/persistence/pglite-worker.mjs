// Runs embedded PGlite and its socket server on a worker thread, so the database's WASM work (initdb, queries)
// never blocks the service's event loop. Plain JavaScript: a worker thread starts without the TypeScript loader.

import { mkdirSync, readFileSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"

const { dataDir, socketPath, loadDataDir } = workerData

try {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    // PostgreSQL's default 128 MB of shared buffers live in PGlite's WASM memory, which never shrinks: 16 MB kept
    // this process about 105 MB smaller (802 -> 697 MB RSS for PGlite alone after initdb; docs/decisions.md, 18.5).
    startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"],
    // A cluster dumped by `dumpDataDir`, loaded instead of running initdb.
    ...(loadDataDir ? { loadDataDir: new Blob([readFileSync(loadDataDir)]) } : {})
  })
  const server = new PGLiteSocketServer({ db, path: socketPath })
  await server.start()
  parentPort.on("message", async (message) => {
    if (message !== "close") return
    await server.stop().catch(() => undefined)
    await db.close().catch(() => undefined)
    parentPort.postMessage({ type: "closed" })
  })
  parentPort.postMessage({ type: "ready" })
} catch (error) {
  parentPort.postMessage({ type: "failed", message: error instanceof Error ? error.message : String(error) })
}
