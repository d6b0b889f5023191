import { mkdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Effect, Layer, type Redacted } from "effect"

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
 * Embedded PostgreSQL: PGlite (real Postgres in WASM) keeping its files in `directory` (`undefined`: in memory),
 * served on a private unix socket and reached by the same `@effect/sql-pg` client as a real server. PGlite is a
 * single-connection database, so the pool holds one connection. Closing the layer's scope closes the socket and
 * then the database, flushing it to disk.
 */
export const layerEmbedded = (directory: string | undefined) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => {
          if (directory !== undefined) mkdirSync(directory, { recursive: true })
          return PGlite.create(directory === undefined ? {} : { dataDir: directory })
        }),
        (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
      )
      // Unix socket paths are limited to about 100 bytes, so the socket lives in the temp directory.
      const socketPath = join(tmpdir(), `pglite-${process.pid}-${crypto.randomUUID().slice(0, 8)}.sock`)
      yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const server = new PGLiteSocketServer({ db, path: socketPath })
          await server.start()
          return server
        }),
        (server) =>
          Effect.promise(() => server.stop()).pipe(
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => rmSync(socketPath, { force: true })))
          )
      )
      return PgClient.layer({ path: socketPath, maxConnections: 1, username: "postgres", database: "postgres" })
    })
  )
