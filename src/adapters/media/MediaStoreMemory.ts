import { Effect, Layer, Option } from "effect"
import {
  isValidMediaKey,
  MediaStore,
  MediaStoreFailed,
  type StoredObject
} from "../../application/messaging/ports/MediaStore.ts"

/** Media in a map: for tests and one-process experiments (gone on restart). */
export const makeMediaStoreMemory = () => {
  const objects = new Map<string, StoredObject>()
  const checked = (key: string) =>
    isValidMediaKey(key) ? Effect.succeed(key) : Effect.fail(new MediaStoreFailed({ detail: `invalid key ${key}` }))
  return MediaStore.of({
    put: (key, bytes, contentType) =>
      Effect.map(checked(key), (k) => {
        objects.set(k, { bytes: new Uint8Array(bytes), contentType })
      }),
    get: (key) => Effect.map(checked(key), (k) => Option.fromNullishOr(objects.get(k))),
    head: (key) =>
      Effect.map(checked(key), (k) =>
        Option.map(Option.fromNullishOr(objects.get(k)), (o) => ({ sizeBytes: o.bytes.length }))
      ),
    delete: (key) =>
      Effect.map(checked(key), (k) => {
        objects.delete(k)
      })
  })
}

export const MediaStoreMemory = Layer.sync(MediaStore, makeMediaStoreMemory)
