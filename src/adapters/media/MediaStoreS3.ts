import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import { Effect, Layer, Option, Redacted } from "effect"
import { isValidMediaKey, MediaStore, MediaStoreFailed } from "../../application/messaging/ports/MediaStore.ts"

export interface MediaS3Config {
  readonly bucket: string
  /** An S3-compatible endpoint (MinIO, R2, …); unset: AWS. */
  readonly endpoint: string | null
  readonly region: string
  /** Unset: the SDK's default credential chain (environment, instance role). */
  readonly accessKeyId: string | null
  readonly secretAccessKey: Redacted.Redacted<string> | null
  /** Path-style URLs (`endpoint/bucket/key`), as most S3-compatible servers need. */
  readonly forcePathStyle: boolean
  /** A prefix for every key, e.g. `media/`. */
  readonly prefix?: string
}

const notFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404
}

/** Media in an S3 bucket, shared by every instance of the service. */
export const makeMediaStoreS3 = (config: MediaS3Config) => {
  const client = new S3Client({
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    // Checksums only where S3 requires them: S3-compatible servers differ on the newer flexible checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(config.endpoint === null ? {} : { endpoint: config.endpoint }),
    ...(config.accessKeyId === null || config.secretAccessKey === null
      ? {}
      : {
          credentials: {
            accessKeyId: config.accessKeyId,
            secretAccessKey: Redacted.value(config.secretAccessKey)
          }
        })
  })
  const keyOf = (key: string) =>
    isValidMediaKey(key)
      ? Effect.succeed(`${config.prefix ?? ""}${key}`)
      : Effect.fail(new MediaStoreFailed({ detail: `invalid key ${key}` }))
  const io = <A>(what: string, run: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (error) =>
        new MediaStoreFailed({ detail: `S3 ${what}: ${error instanceof Error ? error.message : String(error)}` })
    })
  const orNone = <A>(run: () => Promise<A>) =>
    run().then(
      (value) => Option.some(value),
      (error: unknown) => {
        if (notFound(error)) return Option.none<A>()
        throw error
      }
    )
  return {
    client,
    store: MediaStore.of({
      put: (key, bytes, contentType) =>
        Effect.flatMap(keyOf(key), (Key) =>
          io("put", (abortSignal) =>
            client.send(new PutObjectCommand({ Bucket: config.bucket, Key, Body: bytes, ContentType: contentType }), {
              abortSignal
            })
          )
        ).pipe(Effect.asVoid),
      get: (key) =>
        Effect.flatMap(keyOf(key), (Key) =>
          io("get", (abortSignal) =>
            orNone(async () => {
              const answer = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key }), { abortSignal })
              const bytes = answer.Body === undefined ? new Uint8Array() : await answer.Body.transformToByteArray()
              return { bytes, contentType: answer.ContentType ?? "application/octet-stream" }
            })
          )
        ),
      head: (key) =>
        Effect.flatMap(keyOf(key), (Key) =>
          io("head", (abortSignal) =>
            orNone(async () => {
              const answer = await client.send(new HeadObjectCommand({ Bucket: config.bucket, Key }), { abortSignal })
              return { sizeBytes: answer.ContentLength ?? 0 }
            })
          )
        ),
      delete: (key) =>
        Effect.flatMap(keyOf(key), (Key) =>
          io("delete", (abortSignal) =>
            client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key }), { abortSignal })
          )
        ).pipe(Effect.asVoid)
    })
  }
}

export const MediaStoreS3 = (config: MediaS3Config) =>
  Layer.effect(
    MediaStore,
    Effect.acquireRelease(
      Effect.sync(() => makeMediaStoreS3(config)),
      ({ client }) => Effect.sync(() => client.destroy())
    ).pipe(Effect.map(({ store }) => store))
  )
