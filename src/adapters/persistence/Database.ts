import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, type Redacted } from "effect"
import { preparedCluster, seedDataDir } from "./PgliteCluster.ts"

/** A PostgreSQL server at `DATABASE_URL`. */
export const layerServer = (
  url: Redacted.Redacted<string>,
  options: { readonly maxConnections?: number; readonly searchPath?: string } = {}
) =>
  PgClient.layer({
    url,
    maxConnections: options.maxConnections ?? 10,
    idleTimeout: "60 seconds",
    applicationName: "meta-channel-connections",
    ...(options.searchPath === undefined ? {} : { startupParameters: { search_path: options.searchPath } })
  })

/**
 * Embedded PostgreSQL: PGlite (real Postgres in WASM) keeping its files in `directory` (`undefined`: in memory).
 * It runs on a worker thread (so its WASM work never blocks this event loop), serves a private unix socket, and is
 * reached by the same `@effect/sql-pg` client as a real server. PGlite is a single-connection database, so the pool
 * holds one connection. Closing the layer's scope closes the socket and then the database, flushing it to disk.
 *
 * `loadDataDir` (a tarball of `dumpDataDir`) starts an in-memory database from that cluster instead of running
 * `initdb` (the tests start many). A new `directory` starts as a copy of `npm run build`'s prepared cluster when there
 * is one (`PgliteCluster.ts`: initdb's memory peak stays out of the service).
 */
export const layerEmbedded = (directory: string | undefined, options: { readonly loadDataDir?: string } = {}) =>
  Layer.unwrap(
    Effect.gen(function* () {
      if (directory !== undefined && options.loadDataDir === undefined && seedDataDir(directory, preparedCluster()))
        yield* Effect.logInfo(`Embedded database: a new cluster in ${directory}, copied from the prepared one`)
      // Unix socket paths are limited to about 100 bytes, so the socket lives in the temp directory.
      const socketPath = join(tmpdir(), `pglite-${process.pid}-${crypto.randomUUID().slice(0, 8)}.sock`)
      yield* Effect.acquireRelease(
        Effect.callback<Worker, Error>((resume) => {
          const worker = new Worker(new URL("./pglite-worker.mjs", import.meta.url), {
            workerData: { dataDir: directory, socketPath, loadDataDir: options.loadDataDir }
          })
          worker.once("message", (message: { type: string; message?: string }) => {
            if (message.type === "ready") resume(Effect.succeed(worker))
            else resume(Effect.fail(new Error(`Embedded database failed to start: ${message.message}`)))
          })
          worker.once("error", (error) => resume(Effect.fail(error)))
        }),
        (worker) =>
          Effect.callback<void>((resume) => {
            worker.once("message", () => resume(Effect.void))
            worker.once("exit", () => resume(Effect.void))
            worker.postMessage("close")
          }).pipe(
            Effect.timeout("10 seconds"),
            Effect.ignore,
            Effect.ensuring(Effect.promise(() => worker.terminate())),
            Effect.ensuring(Effect.sync(() => rmSync(socketPath, { force: true })))
          )
      ).pipe(Effect.orDie)
      return PgClient.layer({ path: socketPath, maxConnections: 1, username: "postgres", database: "postgres" })
    })
  )
