import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { MediaFetcher } from "../../application/messaging/MediaFetcher.ts"
import type { MessageId } from "../../domain/Ids.ts"
import { Jwt } from "./Auth.ts"
import { errorResponse } from "./ErrorResponse.ts"
import { authenticated } from "./RequestContext.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A header-safe file name: the name as given for `filename*`, an ASCII fallback for `filename`. */
const disposition = (kind: string, filename: string | null) => {
  const name = (filename ?? "").replace(/[\r\n"\\/]/g, "").trim() || (kind === "document" ? "document" : kind)
  const ascii = name.replace(/[^\x20-\x7e]/g, "_")
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/**
 * `GET /api/media/{messageId}`: the stored media of one of the tenant's messages, with the tenant's bearer token.
 * Never a redirect to Meta's URL. Another tenant's message, or one without media: 404. Media not stored yet:
 * 409 `media_not_available` (with its state). Served with the type detected from the bytes, `nosniff`, and as an
 * attachment for documents (and anything not recognised).
 */
export const MediaRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const media = yield* MediaFetcher
    const jwt = yield* Jwt
    yield* router.add(
      "GET",
      "/api/media/:messageId",
      authenticated(jwt, (actor) =>
        Effect.gen(function* () {
          const id = (yield* HttpRouter.params)["messageId"] ?? ""
          const notFound = errorResponse(404, "not_found", "No such media: check the message id.", {
            "x-content-type-options": "nosniff"
          })
          if (!UUID.test(id)) return notFound
          const read = yield* media.read(actor, id.toLowerCase() as MessageId)
          if (read._tag === "NotFound") return notFound
          if (read._tag === "NotAvailable")
            return HttpServerResponse.jsonUnsafe(
              {
                error: {
                  code: "media_not_available",
                  state: read.media.state,
                  message:
                    read.media.state === "failed"
                      ? "This media could not be fetched from WhatsApp; ask the customer to send it again."
                      : "Media not yet available: it is being fetched; try again in a few seconds."
                }
              },
              {
                status: 409,
                headers: {
                  "cache-control": "no-store",
                  "x-content-type-options": "nosniff",
                  ...(read.media.state === "pending" ? { "retry-after": "5" } : {})
                }
              }
            )
          const { content } = read
          const inline = content.media.kind !== "document" && content.contentType !== "application/octet-stream"
          return HttpServerResponse.uint8Array(content.bytes, {
            contentType: content.contentType,
            headers: {
              "x-content-type-options": "nosniff",
              "cache-control": "private, max-age=3600",
              "content-security-policy": "default-src 'none'; sandbox",
              "content-disposition": inline ? "inline" : disposition(content.media.kind, content.media.filename)
            }
          })
        })
      )
    )
  })
)
