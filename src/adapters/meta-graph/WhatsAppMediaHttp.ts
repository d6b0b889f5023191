import { Effect, Layer, Redacted } from "effect"
import {
  MediaFetchFailed,
  MediaUploadFailed,
  type OutgoingMedia,
  type RemoteMedia,
  WhatsAppMedia
} from "../../application/messaging/ports/WhatsAppMedia.ts"
import type { AccessToken } from "../../application/ports/MetaGraph.ts"
import { MetaTokenInvalid, MetaUnavailable } from "../../domain/Errors.ts"
import { classifySendError } from "./MetaErrors.ts"
import { appSecretProof, scrub } from "./MetaGraphHttp.ts"

export interface WhatsAppMediaConfig {
  readonly graphBaseUrl: string
  readonly graphVersion: string
  readonly appSecret: Redacted.Redacted<string>
  /** Per request; default 30 s (a download of up to 100 MB may take longer: `downloadTimeoutMs`, default 120 s). */
  readonly timeoutMs?: number
  readonly downloadTimeoutMs?: number
}

interface GraphErrorBody {
  readonly error?: { readonly code?: number; readonly error_subcode?: number; readonly message?: string }
}

/**
 * The Cloud API's media endpoints (Media reference): `GET /{media-id}` answers `{url, mime_type, sha256, file_size,
 * id}` with a URL valid about 5 minutes, downloaded with `Authorization: Bearer` (a plain GET is refused);
 * `POST /{phone-number-id}/media` (multipart `messaging_product=whatsapp`, `type`, `file`) answers `{id}`.
 */
export const makeWhatsAppMediaHttp = (config: WhatsAppMediaConfig) => {
  const base = `${config.graphBaseUrl.replace(/\/$/, "")}/${config.graphVersion}`
  const timeout = config.timeoutMs ?? 30_000
  const headers = (token: AccessToken) => ({ authorization: `Bearer ${Redacted.value(token)}` })
  const proof = (token: AccessToken) => Redacted.value(appSecretProof(config.appSecret, token))
  const clean = (token: AccessToken, text: string) => scrub(text, [token, config.appSecret])
  const transportFailed = (token: AccessToken, what: string) => (error: unknown) =>
    new MediaFetchFailed({
      reason: "unavailable",
      permanent: false,
      detail: clean(token, `${what}: ${error instanceof Error ? error.message : String(error)}`)
    })

  const resolve = (token: AccessToken, mediaId: string) =>
    Effect.gen(function* () {
      const url = `${base}/${encodeURIComponent(mediaId)}?appsecret_proof=${proof(token)}`
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(url, { headers: headers(token), signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]) }),
        catch: transportFailed(token, "GET media")
      })
      const body = (yield* Effect.tryPromise({
        try: () => response.json() as Promise<Record<string, unknown> & GraphErrorBody>,
        catch: transportFailed(token, "GET media (body)")
      })) as Record<string, unknown> & GraphErrorBody
      if (!response.ok || body.error !== undefined) {
        const code = body.error?.code
        const detail = clean(token, `GET media: ${response.status} ${body.error?.message ?? ""}`.trim())
        // 100/33: no such object (deleted, or never ours); a token error: not this token's media.
        if (code === 100) return yield* new MediaFetchFailed({ reason: "not_found", permanent: true, detail })
        if (code === 190 || response.status === 401)
          return yield* new MediaFetchFailed({ reason: "unauthorized", permanent: false, detail })
        return yield* new MediaFetchFailed({ reason: "unavailable", permanent: false, detail })
      }
      if (typeof body["url"] !== "string")
        return yield* new MediaFetchFailed({ reason: "unavailable", permanent: false, detail: "GET media: no url" })
      const size = Number(body["file_size"])
      return {
        url: body["url"],
        mimeType: typeof body["mime_type"] === "string" ? body["mime_type"] : null,
        sha256: typeof body["sha256"] === "string" ? body["sha256"] : null,
        sizeBytes: Number.isFinite(size) ? size : null
      } satisfies RemoteMedia
    })

  const download = (token: AccessToken, url: string, maxBytes: number) =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(url, {
          headers: headers(token),
          redirect: "follow",
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.downloadTimeoutMs ?? 120_000)])
        })
        if (!response.ok) {
          await response.body?.cancel()
          // 404: the URL expired (or the media went): the next attempt asks for a new one.
          const reason = response.status === 401 || response.status === 403 ? "unauthorized" : "unavailable"
          return new MediaFetchFailed({ reason, permanent: false, detail: `download: HTTP ${response.status}` })
        }
        const declared = Number(response.headers.get("content-length"))
        if (Number.isFinite(declared) && declared > maxBytes) {
          await response.body?.cancel()
          return new MediaFetchFailed({
            reason: "too_large",
            permanent: true,
            detail: `download: ${declared} bytes, over the limit of ${maxBytes}`
          })
        }
        const chunks: Array<Uint8Array> = []
        let size = 0
        const reader = response.body?.getReader()
        while (reader !== undefined) {
          const { done, value } = await reader.read()
          if (done) break
          size += value.length
          if (size > maxBytes) {
            await reader.cancel()
            return new MediaFetchFailed({
              reason: "too_large",
              permanent: true,
              detail: `download: over the limit of ${maxBytes} bytes`
            })
          }
          chunks.push(value)
        }
        return Buffer.concat(chunks)
      },
      catch: transportFailed(token, "download")
    }).pipe(
      Effect.flatMap((result) =>
        result instanceof MediaFetchFailed ? Effect.fail(result) : Effect.succeed(new Uint8Array(result))
      )
    )

  const upload = (
    token: AccessToken,
    phoneNumberId: string,
    file: { readonly bytes: Uint8Array; readonly mimeType: string; readonly filename: string }
  ) =>
    Effect.tryPromise({
      try: async (signal) => {
        const form = new FormData()
        form.set("messaging_product", "whatsapp")
        form.set("type", file.mimeType)
        form.set("file", new Blob([new Uint8Array(file.bytes)], { type: file.mimeType }), file.filename)
        const response = await fetch(
          `${base}/${encodeURIComponent(phoneNumberId)}/media?appsecret_proof=${proof(token)}`,
          {
            method: "POST",
            headers: headers(token),
            body: form,
            signal: AbortSignal.any([signal, AbortSignal.timeout(config.downloadTimeoutMs ?? 120_000)])
          }
        )
        const body = (await response.json()) as { id?: unknown } & GraphErrorBody
        if (response.ok && typeof body.id === "string") return body.id
        return new MediaUploadFailed({
          invalid: response.status >= 400 && response.status < 500,
          detail: clean(token, `upload: ${response.status} ${body.error?.message ?? ""}`.trim())
        })
      },
      catch: (error) =>
        new MediaUploadFailed({
          invalid: false,
          detail: clean(token, `upload: ${error instanceof Error ? error.message : String(error)}`)
        })
    }).pipe(Effect.flatMap((result) => (typeof result === "string" ? Effect.succeed(result) : Effect.fail(result))))

  /** `POST /{phone-number-id}/messages` with `type: image|document` and `{id[, caption][, filename]}`. */
  const sendMedia = (token: AccessToken, phoneNumberId: string, to: string, media: OutgoingMedia) =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(
          `${base}/${encodeURIComponent(phoneNumberId)}/messages?appsecret_proof=${proof(token)}`,
          {
            method: "POST",
            headers: { ...headers(token), "content-type": "application/json" },
            body: JSON.stringify({
              messaging_product: "whatsapp",
              recipient_type: "individual",
              to,
              type: media.kind,
              [media.kind]: {
                id: media.mediaId,
                ...(media.caption === null ? {} : { caption: media.caption }),
                ...(media.kind === "document" && media.filename !== null ? { filename: media.filename } : {})
              }
            }),
            signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)])
          }
        )
        return { status: response.status, body: (await response.json()) as Record<string, unknown> & GraphErrorBody }
      },
      catch: (error) =>
        new MetaUnavailable({
          detail: clean(token, `send media: ${error instanceof Error ? error.message : String(error)}`)
        })
    }).pipe(
      Effect.flatMap(({ status, body }) => {
        const messages = body["messages"] as Array<{ id?: unknown }> | undefined
        const id = messages?.[0]?.id
        if (status < 300 && typeof id === "string") {
          const contacts = body["contacts"] as Array<{ wa_id?: unknown }> | undefined
          const waId = contacts?.[0]?.wa_id
          return Effect.succeed({ providerMessageId: id, waId: typeof waId === "string" ? waId : null })
        }
        const code = body.error?.code
        const detail = clean(token, body.error?.message ?? `HTTP ${status}`)
        if (code === 190) return Effect.fail(new MetaTokenInvalid({ code, detail }))
        return Effect.fail(classifySendError(new MetaUnavailable({ ...(code === undefined ? {} : { code }), detail })))
      })
    )

  return WhatsAppMedia.of({ resolve, download, upload, sendMedia })
}

export const WhatsAppMediaHttp = (config: WhatsAppMediaConfig) =>
  Layer.sync(WhatsAppMedia, () => makeWhatsAppMediaHttp(config))
