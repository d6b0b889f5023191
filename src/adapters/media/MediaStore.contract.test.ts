import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type S3TestServer, startS3TestServer } from "../../../test/support/S3TestServer.ts"
import type { MediaStore } from "../../application/messaging/ports/MediaStore.ts"
import { makeMediaStoreFilesystem } from "./MediaStoreFilesystem.ts"
import { makeMediaStoreMemory } from "./MediaStoreMemory.ts"
import { makeMediaStoreS3 } from "./MediaStoreS3.ts"

/** One contract for every media store: the memory one is what the others must behave like. */
const contract = (name: string, store: () => MediaStore["Service"]) =>
  describe(`MediaStore contract: ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
    const key = () => `tenant-${crypto.randomUUID().slice(0, 8)}/${crypto.randomUUID()}`

    it("reads back what was put, with its content type and size", async () => {
      const k = key()
      const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255])
      await run(store().put(k, bytes, "image/png"))
      const got = await run(store().get(k))
      expect(Option.isSome(got)).toBe(true)
      expect(Buffer.from(Option.getOrThrow(got).bytes).equals(Buffer.from(bytes))).toBe(true)
      expect(Option.getOrThrow(got).contentType).toBe("image/png")
      expect(await run(store().head(k))).toEqual(Option.some({ sizeBytes: 8 }))
    })

    it("replaces an object put again", async () => {
      const k = key()
      await run(store().put(k, new Uint8Array([1, 2, 3]), "application/pdf"))
      await run(store().put(k, new Uint8Array([4]), "image/webp"))
      const got = Option.getOrThrow(await run(store().get(k)))
      expect([...got.bytes]).toEqual([4])
      expect(got.contentType).toBe("image/webp")
    })

    it("answers none for a missing key, and deleting is idempotent", async () => {
      const k = key()
      expect(Option.isNone(await run(store().get(k)))).toBe(true)
      expect(Option.isNone(await run(store().head(k)))).toBe(true)
      await run(store().put(k, new Uint8Array([9]), "audio/ogg"))
      await run(store().delete(k))
      await run(store().delete(k))
      expect(Option.isNone(await run(store().get(k)))).toBe(true)
    })

    it("refuses keys that could escape their place (.., absolute, empty)", async () => {
      for (const bad of ["../etc/passwd", "/abs", "", "a/b/c", "a\\b"]) {
        const result = await Effect.runPromise(Effect.result(store().put(bad, new Uint8Array([1]), "text/plain")))
        expect(result._tag, bad).toBe("Failure")
      }
    })

    it("keeps an empty file", async () => {
      const k = key()
      await run(store().put(k, new Uint8Array(), "text/plain"))
      expect(Option.getOrThrow(await run(store().get(k))).bytes.length).toBe(0)
    })
  })

contract(
  "memory",
  (() => {
    const store = makeMediaStoreMemory()
    return () => store
  })()
)

const directory = mkdtempSync(join(tmpdir(), "media-store-"))
afterAll(() => rmSync(directory, { recursive: true, force: true }))
contract(
  "filesystem",
  (() => {
    const store = makeMediaStoreFilesystem(directory)
    return () => store
  })()
)

let s3: S3TestServer
let s3Store: MediaStore["Service"]
beforeAll(async () => {
  s3 = await startS3TestServer()
  s3Store = makeMediaStoreS3({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: "us-east-1",
    accessKeyId: s3.accessKeyId,
    secretAccessKey: Redacted.make(s3.secretAccessKey),
    forcePathStyle: true
  }).store
})
afterAll(() => s3?.close())
contract("S3 (a local S3-compatible server)", () => s3Store)

describe("MediaStoreS3", () => {
  it("speaks path-style to the endpoint, and a store without the right key is refused", async () => {
    await Effect.runPromise(s3Store.put("t1/m1", new Uint8Array([1]), "image/png"))
    expect(s3.requests).toContain(`PUT /${s3.bucket}/t1/m1`)
    const stranger = makeMediaStoreS3({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: "SOMEONEELSE",
      secretAccessKey: Redacted.make("x"),
      forcePathStyle: true
    }).store
    const refused = await Effect.runPromise(Effect.result(stranger.get("t1/m1")))
    expect(refused._tag).toBe("Failure")
  })
})
