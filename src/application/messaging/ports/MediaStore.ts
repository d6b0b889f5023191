import { Context, Data, type Effect, type Option } from "effect"

/** The media store could not be reached or refused the operation (retried by the caller). */
export class MediaStoreFailed extends Data.TaggedError("MediaStoreFailed")<{ readonly detail: string }> {}

export interface StoredObject {
  readonly bytes: Uint8Array
  readonly contentType: string
}

/**
 * Where media bytes live, by key (`tenant/message`): a directory (`DATA_DIR/media`, one instance), an S3 bucket
 * (several instances), or memory. Writing a key again replaces it.
 */
export class MediaStore extends Context.Service<
  MediaStore,
  {
    put(key: string, bytes: Uint8Array, contentType: string): Effect.Effect<void, MediaStoreFailed>
    get(key: string): Effect.Effect<Option.Option<StoredObject>, MediaStoreFailed>
    /** The size of the object, without reading it. */
    head(key: string): Effect.Effect<Option.Option<{ readonly sizeBytes: number }>, MediaStoreFailed>
    /** Deleting a missing key is not an error. */
    delete(key: string): Effect.Effect<void, MediaStoreFailed>
  }
>()("app/application/messaging/ports/MediaStore") {}

/** Keys are `tenant/message` ids: letters, digits, `-` and one `/` level; anything else is refused by every adapter. */
export const isValidMediaKey = (key: string): boolean => /^[A-Za-z0-9-]{1,64}(\/[A-Za-z0-9-]{1,64})?$/.test(key)
