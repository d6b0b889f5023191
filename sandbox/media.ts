import { createHash, createHmac } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { authenticate, type Caller, type Ctx, tokenFrom, wabaFor } from "./context.ts"
import { GraphError, invalidParam, missingParam } from "./errors.ts"
import { isRecord, type Params, str } from "./http.ts"
import { newId } from "./ids.ts"
import type { PhoneNumber, SandboxMedia, State } from "./state.ts"

/**
 * WhatsApp media as the Cloud API serves it (Media reference): `GET /{media-id}` answers the metadata and a URL on
 * the lookaside host valid for about 5 minutes; that URL answers the bytes only with the access token
 * (`Authorization: Bearer`), and not at all once expired. `POST /{phone-number-id}/media` (multipart, with
 * `messaging_product=whatsapp` and `file`) uploads media a send names by id.
 */

/** How long a media URL answers (Meta: "The URL is only valid for 5 minutes"). */
export const MEDIA_URL_TTL_S = 300

/** Where the lookaside host's attachments are served (Meta: lookaside.fbsbx.com/whatsapp_business/attachments/). */
export const ATTACHMENTS_PATH = "/whatsapp_business/attachments/"

/** The upload limits Meta states per type (Supported media types). */
const UPLOAD_LIMITS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^image\/(jpeg|png)$/, 5 * 1024 * 1024],
  [/^image\/webp$/, 500 * 1024],
  [/^(audio\/(aac|amr|mpeg|mp4|ogg))/, 16 * 1024 * 1024],
  [/^video\/(mp4|3gpp?)$/, 16 * 1024 * 1024],
  [/^(text\/plain|application\/(pdf|msword|vnd\.))/, 100 * 1024 * 1024]
]

export const addMedia = (
  state: State,
  input: {
    readonly phoneNumberId: string
    readonly bytes: Buffer
    readonly mimeType: string
    readonly filename?: string | null
    readonly nowMs: number
  }
): SandboxMedia => {
  const media: SandboxMedia = {
    id: newId(16),
    phoneNumberId: input.phoneNumberId,
    mimeType: input.mimeType,
    sha256: createHash("sha256").update(input.bytes).digest("hex"),
    fileSize: input.bytes.length,
    base64: input.bytes.toString("base64"),
    filename: input.filename ?? null,
    createdAtMs: input.nowMs
  }
  state.media.set(media.id, media)
  return media
}

const signature = (ctx: Ctx, mediaId: string, expiresS: number) =>
  createHmac("sha256", ctx.state.app.secret).update(`${mediaId}:${expiresS}`).digest("hex").slice(0, 32)

const wabaOfMedia = (ctx: Ctx, caller: Caller, method: string, media: SandboxMedia) => {
  const number = ctx.state.numbers.get(media.phoneNumberId)
  if (number === undefined) throw new GraphError(100, `(#100) Unsupported ${method.toLowerCase()} request.`, 33)
  return wabaFor(ctx, caller, number.wabaId, method, media.id, "whatsapp_business_messaging")
}

/** `GET /{media-id}`: the metadata and a short-lived URL. `DELETE /{media-id}`: the media goes. */
export const mediaNode = (
  ctx: Ctx,
  caller: Caller,
  method: string,
  host: string | undefined,
  params: Params,
  media: SandboxMedia
) => {
  const waba = wabaOfMedia(ctx, caller, method, media)
  const only = str(params, "phone_number_id")
  if (only !== undefined && only !== media.phoneNumberId)
    throw invalidParam("Param phone_number_id does not own this media")
  if (method === "DELETE") {
    ctx.state.media.delete(media.id)
    return { businessId: waba.businessId, body: { success: true } }
  }
  const expires = Math.floor(ctx.nowMs() / 1000) + MEDIA_URL_TTL_S
  const url = new URL(`http://${host ?? "127.0.0.1"}${ATTACHMENTS_PATH}`)
  url.searchParams.set("mid", media.id)
  url.searchParams.set("ext", String(expires))
  url.searchParams.set("hash", signature(ctx, media.id, expires))
  return {
    businessId: waba.businessId,
    body: {
      messaging_product: "whatsapp",
      url: url.toString(),
      mime_type: media.mimeType,
      sha256: media.sha256,
      file_size: media.fileSize,
      id: media.id
    }
  }
}

export type Download =
  | { readonly status: 200; readonly bytes: Buffer; readonly mimeType: string }
  | { readonly status: 401 | 403 | 404 | 500; readonly message: string }

/**
 * `GET lookaside/whatsapp_business/attachments/?mid&ext&hash`: the bytes, with a token that can read the number's
 * WABA. No token or a bad one: 401; a token of another business: 403; an expired or altered URL, or deleted
 * media: 404. A failure set with `fail-next` answers 500.
 */
export const download = (ctx: Ctx, query: URLSearchParams, headers: IncomingHttpHeaders): Download => {
  if (ctx.state.mediaFailNext > 0) {
    ctx.state.mediaFailNext--
    return { status: 500, message: "media download failed (sandbox fail-next)" }
  }
  const raw = tokenFrom(headers, {})
  let caller: Caller
  try {
    caller = authenticate(ctx, raw)
  } catch {
    return { status: 401, message: "a valid access token is required to download media" }
  }
  const mid = query.get("mid") ?? ""
  const expires = Number(query.get("ext"))
  const media = ctx.state.media.get(mid)
  if (
    media === undefined ||
    !Number.isInteger(expires) ||
    query.get("hash") !== signature(ctx, mid, expires) ||
    Math.floor(ctx.nowMs() / 1000) > expires
  )
    return { status: 404, message: "URL signature expired or media not found" }
  try {
    wabaOfMedia(ctx, caller, "GET", media)
  } catch {
    return { status: 403, message: "the token cannot read this media" }
  }
  return { status: 200, bytes: Buffer.from(media.base64, "base64"), mimeType: media.mimeType }
}

export interface UploadedFile {
  readonly bytes: Buffer
  readonly type: string
  readonly name: string
}

export const isUploadedFile = (value: unknown): value is UploadedFile =>
  isRecord(value) && Buffer.isBuffer(value["bytes"]) && typeof value["type"] === "string"

/** `POST /{phone-number-id}/media`: multipart with `messaging_product=whatsapp` and `file`; answers `{id}`. */
export const uploadMedia = (ctx: Ctx, caller: Caller, params: Params, number: PhoneNumber) => {
  const waba = wabaFor(ctx, caller, number.wabaId, "POST", number.id, "whatsapp_business_messaging")
  if (str(params, "messaging_product") !== "whatsapp") throw missingParam("messaging_product")
  const file = params["file"]
  if (!isUploadedFile(file)) throw missingParam("file")
  const mimeType = str(params, "type") ?? file.type
  const limit = UPLOAD_LIMITS.find(([pattern]) => pattern.test(mimeType))
  if (limit === undefined) throw invalidParam(`Param file must be a file with one of the supported types (${mimeType})`)
  if (file.bytes.length > limit[1])
    throw new GraphError(131053, `(#131053) Media upload error: file size ${file.bytes.length} over ${limit[1]} bytes`)
  const media = addMedia(ctx.state, {
    phoneNumberId: number.id,
    bytes: file.bytes,
    mimeType,
    filename: file.name,
    nowMs: ctx.nowMs()
  })
  return { businessId: waba.businessId, body: { id: media.id } }
}

/** Multipart form fields as Graph params; a file becomes an `UploadedFile`. */
export const multipartParams = async (contentType: string, body: Buffer): Promise<Params> => {
  const form = await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData()
  const params: Params = {}
  for (const [name, value] of form.entries()) {
    params[name] =
      typeof value === "string"
        ? value
        : { bytes: Buffer.from(await value.arrayBuffer()), type: value.type, name: value.name }
  }
  return params
}
