import { Effect, Option, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { MediaFetcher } from "../../application/messaging/MediaFetcher.ts"
import { MediaSending } from "../../application/messaging/SendMedia.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import { InvalidMessage } from "../../domain/Errors.ts"
import { isUuid, type MessageId } from "../../domain/Ids.ts"
import { Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { authenticated, rateLimited } from "./RequestGuards.ts"

/** The largest file the API takes inline (base64 in a JSON body): 16 MB. Larger documents: the REST upload. */
export const MAX_INLINE_MEDIA_BYTES = 16 * 1024 * 1024

/** Base64 to bytes, refusing anything that is not base64 or is over the cap. */
export const decodeInlineMedia = (base64: string): Uint8Array | InvalidMessage => {
  const clean = base64.replace(/^data:[^,]*,/, "").replace(/\s/g, "")
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1)
    return new InvalidMessage({ detail: "The file must be base64-encoded." })
  if ((clean.length * 3) / 4 > MAX_INLINE_MEDIA_BYTES + 3)
    return new InvalidMessage({
      detail: "The file is over 16 MB: upload it with POST /api/integrations/meta/whatsapp/media-messages."
    })
  return new Uint8Array(Buffer.from(clean, "base64"))
}

const SendMediaBody = Schema.Struct({
  to: Schema.String,
  kind: Schema.Literals(["image", "document"]),
  base64: Schema.String,
  filename: Schema.optional(Schema.String),
  caption: Schema.optional(Schema.String),
  idempotencyKey: Schema.optional(Schema.String)
})
const decodeSendMediaBody = Schema.decodeUnknownOption(SendMediaBody)

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
    const sending = yield* MediaSending
    const jwt = yield* Jwt
    const limits = yield* OperationLimits

    // An image or document to a contact: `{to, kind: "image"|"document", base64, filename?, caption?,
    // idempotencyKey?}` (or the `Idempotency-Key` header); 201 with the message, as a text send.
    yield* router.add(
      "POST",
      "/api/integrations/meta/whatsapp/media-messages",
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeSendMediaBody)
          if (Option.isNone(body))
            return errorResponse(
              400,
              "invalid_request",
              'Send {"to": "<phone>", "kind": "image" | "document", "base64": "<the file>", "filename": "…", "caption": "…"}.'
            )
          const bytes = decodeInlineMedia(body.value.base64)
          if (bytes instanceof InvalidMessage) return domainErrorResponse(bytes)
          const sent = yield* sending
            .sendMedia(actor, {
              to: body.value.to,
              kind: body.value.kind,
              bytes,
              filename: body.value.filename ?? null,
              caption: body.value.caption ?? null,
              idempotencyKey: body.value.idempotencyKey ?? request.headers["idempotency-key"] ?? null
            })
            .pipe(Effect.result)
          if (sent._tag === "Failure") return domainErrorResponse(sent.failure)
          const message = sent.success
          return HttpServerResponse.jsonUnsafe(
            {
              id: message.id,
              providerMessageId: message.providerMessageId,
              status: message.status,
              error: message.error,
              timestamp: message.sentAt.toISOString(),
              media: { url: `/api/media/${message.id}` }
            },
            { status: 201, headers: { "cache-control": "no-store" } }
          )
        })
      )
    )
    yield* router.add(
      "GET",
      "/api/media/:messageId",
      // Limited per workspace (`media.get`, generous: an inbox page shows many images), against bulk scraping.
      authenticated(jwt, (actor) =>
        rateLimited(
          limits,
          "media.get",
          actor,
          Effect.gen(function* () {
            const id = (yield* HttpRouter.params)["messageId"] ?? ""
            const notFound = errorResponse(404, "not_found", "No such media: check the message id.", {
              "x-content-type-options": "nosniff"
            })
            if (!isUuid(id)) return notFound
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
    )
  })
)
