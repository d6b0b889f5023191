import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Effect, Layer, Option } from "effect"
import { isValidMediaKey, MediaStore, MediaStoreFailed } from "../../application/messaging/ports/MediaStore.ts"

const missing = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code === "ENOENT"

/**
 * Media as files under `root` (default `DATA_DIR/media`): `<key>` holds the bytes, `<key>.type` the content type.
 * Written to a temporary file and renamed, so a reader never sees half a file. One instance only (or a shared
 * volume); several instances use the S3 adapter.
 */
export const makeMediaStoreFilesystem = (root: string) => {
  const pathOf = (key: string) =>
    isValidMediaKey(key)
      ? Effect.succeed(join(root, key))
      : Effect.fail(new MediaStoreFailed({ detail: `invalid key ${key}` }))
  const io = <A>(what: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (error) =>
        new MediaStoreFailed({ detail: `${what}: ${error instanceof Error ? error.message : String(error)}` })
    })
  return MediaStore.of({
    put: (key, bytes, contentType) =>
      Effect.flatMap(pathOf(key), (path) =>
        io("write", async () => {
          await mkdir(dirname(path), { recursive: true, mode: 0o700 })
          const temporary = `${path}.${process.pid}.${Date.now()}.tmp`
          await writeFile(`${path}.type`, contentType, { mode: 0o600 })
          await writeFile(temporary, bytes, { mode: 0o600 })
          await rename(temporary, path)
        })
      ),
    get: (key) =>
      Effect.flatMap(pathOf(key), (path) =>
        io("read", async () => {
          try {
            const [bytes, contentType] = await Promise.all([readFile(path), readFile(`${path}.type`, "utf8")])
            return Option.some({ bytes: new Uint8Array(bytes), contentType })
          } catch (error) {
            if (missing(error)) return Option.none()
            throw error
          }
        })
      ),
    head: (key) =>
      Effect.flatMap(pathOf(key), (path) =>
        io("stat", async () => {
          try {
            return Option.some({ sizeBytes: (await stat(path)).size })
          } catch (error) {
            if (missing(error)) return Option.none()
            throw error
          }
        })
      ),
    delete: (key) =>
      Effect.flatMap(pathOf(key), (path) =>
        io("delete", async () => {
          await rm(path, { force: true })
          await rm(`${path}.type`, { force: true })
        })
      )
  })
}

export const MediaStoreFilesystem = (root: string) => Layer.sync(MediaStore, () => makeMediaStoreFilesystem(root))
