/**
 * Inbound media through the real service and the sandbox Meta: an image is stored with its message at once, fetched
 * (a fresh media URL, downloaded with the token) into the media store, and served only to its tenant; a failed
 * download is retried; a type the content contradicts is refused.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { samplePng } from "../sandbox/mediaSamples.ts"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type Stack, startStack } from "./support/Service.ts"

const run = randomBytes(4).toString("hex")
const newNumber = { action: "approve", waba: "new", phone: "new" }

interface MediaNode {
  id: string
  type: string
  text: string | null
  media: {
    kind: string
    state: string
    mimeType: string | null
    url: string | null
    caption: string | null
    filename: string | null
    error: string | null
  } | null
}

describe("inbound media through the sandbox", () => {
  let stack: Stack
  const http = () => client(stack.service.url)
  const graphql = async (token: string, query: string) => {
    const response = await http().api(token, "POST", "/graphql", { query })
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
    if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
    return body.data!
  }
  const messages = async (token: string): Promise<Array<MediaNode>> => {
    const data = (await graphql(
      token,
      "{ conversations(first: 3) { edges { node { messages(first: 20) { edges { node { id type text media { kind state mimeType url caption filename error } } } } } } } }"
    )) as { conversations: { edges: Array<{ node: { messages: { edges: Array<{ node: MediaNode }> } } }> } }
    return data.conversations.edges.flatMap((c) => c.node.messages.edges.map((m) => m.node))
  }
  const tenant = async (name: string) => {
    const { token } = await http().session(`${name}-${run}`)
    await http().connect(token, newNumber)
    const data = (await graphql(token, "{ whatsappConnection { phoneNumberId } }")) as {
      whatsappConnection: { phoneNumberId: string }
    }
    return { token, phoneNumberId: data.whatsappConnection.phoneNumberId }
  }
  const inbound = (phoneNumberId: string, body: Record<string, unknown>) =>
    stack.control("inbound", { phoneNumberId, from: "14155550142", ...body })
  const mediaOf = (token: string, id: string) =>
    fetch(`${stack.service.url}/api/media/${id}`, { headers: { authorization: `Bearer ${token}` } })

  beforeAll(async () => {
    stack = await startStack("media", { LOG_LEVEL: "warn" })
  }, 60_000)
  afterAll(async () => {
    await stack?.service.stop()
  })

  it("stores an image at once, fetches it after the first download failed, and serves it only to its tenant", async () => {
    const owner = await tenant("media-owner")
    const other = await tenant("media-other")
    const png = samplePng(40, 30)
    expect(await stack.control("media/fail-next", { count: 1 })).toEqual({ failNext: 1 })
    await inbound(owner.phoneNumberId, {
      type: "image",
      media: { base64: png.toString("base64"), mimeType: "image/png", caption: "the red bike" }
    })

    // Visible at once, with its caption, while the media is not yet available.
    const first = await eventually(
      async () => (await messages(owner.token)).find((m) => m.type === "image"),
      "the image message"
    )
    expect(first.text).toBe("the red bike")
    expect(first.media).toMatchObject({ kind: "image", caption: "the red bike" })
    if (first.media!.state === "PENDING") {
      expect(first.media!.url).toBeNull()
      const early = await mediaOf(owner.token, first.id)
      expect(early.status).toBe(409)
      expect(((await early.json()) as { error: { code: string } }).error.code).toBe("media_not_available")
    }

    // The first download failed (fail-next); the retry resolves a new URL and stores the bytes.
    const available = await eventually(
      async () => (await messages(owner.token)).find((m) => m.id === first.id && m.media?.state === "AVAILABLE"),
      "the image fetched",
      30_000
    )
    expect(available.media).toMatchObject({ mimeType: "image/png", url: `/api/media/${first.id}` })
    // It took a second attempt: the first download answered 500.
    expect(stack.service.output()).toMatch(/Media fetch failed; retrying: unavailable: download: HTTP 500/)

    const served = await mediaOf(owner.token, first.id)
    expect(served.status).toBe(200)
    expect(served.headers.get("content-type")).toBe("image/png")
    expect(served.headers.get("x-content-type-options")).toBe("nosniff")
    expect(served.headers.get("location")).toBeNull()
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true)

    // Another tenant, or no session: nothing.
    expect((await mediaOf(other.token, first.id)).status).toBe(404)
    expect((await fetch(`${stack.service.url}/api/media/${first.id}`)).status).toBe(401)
    expect((await mediaOf(owner.token, "not-a-uuid")).status).toBe(404)
  }, 60_000)

  it("serves a document as an attachment under its name, and refuses an 'image' whose bytes are not one", async () => {
    const owner = await tenant("media-docs")
    await inbound(owner.phoneNumberId, { type: "document", media: { filename: "Fatura março.pdf" } })
    // Declared image/jpeg, but the bytes are HTML: kept as a message, its media refused.
    await inbound(owner.phoneNumberId, {
      type: "image",
      media: {
        base64: Buffer.from("<html><script>alert(1)</script></html>").toString("base64"),
        mimeType: "image/jpeg"
      }
    })
    const document = await eventually(
      async () => (await messages(owner.token)).find((m) => m.type === "document" && m.media?.state === "AVAILABLE"),
      "the document fetched",
      30_000
    )
    const served = await mediaOf(owner.token, document.id)
    expect(served.headers.get("content-type")).toBe("application/pdf")
    expect(served.headers.get("content-disposition")).toBe(
      `attachment; filename="Fatura mar_o.pdf"; filename*=UTF-8''${encodeURIComponent("Fatura março.pdf")}`
    )
    const refused = await eventually(
      async () => (await messages(owner.token)).find((m) => m.type === "image" && m.media?.state === "FAILED"),
      "the fake image refused",
      30_000
    )
    expect(refused.media!.error).toBe("content_mismatch")
    const answer = await mediaOf(owner.token, refused.id)
    expect(answer.status).toBe(409)
    expect(((await answer.json()) as { error: { state: string } }).error.state).toBe("failed")
  }, 60_000)

  it("sends an image by upload: stored, uploaded to the number, sent by id, once per idempotency key", async () => {
    const owner = await tenant("media-sender")
    const png = samplePng(20, 20)
    // Media is free-form: refused outside the customer service window, before anything is uploaded.
    const closed = await http().api(owner.token, "POST", "/api/integrations/meta/whatsapp/media-messages", {
      to: "14155550142",
      kind: "image",
      base64: png.toString("base64")
    })
    expect(closed.status).toBe(409)
    expect(((await closed.json()) as { error: { code: string } }).error.code).toBe("outside_customer_service_window")
    await contactWrites(stack.control, (q) => graphql(owner.token, q), "14155550142", { text: "send me the photo" })
    const send = () =>
      http().api(owner.token, "POST", "/api/integrations/meta/whatsapp/media-messages", {
        to: "14155550142",
        kind: "image",
        base64: png.toString("base64"),
        caption: "here it is",
        idempotencyKey: `photo-${run}`
      })
    const response = await send()
    expect(response.status).toBe(201)
    const sent = (await response.json()) as { id: string; status: string; providerMessageId: string }
    expect(sent.status).toBe("sent")
    // The sandbox holds the upload and recorded the send by its id.
    const state = (await stack.control("state", undefined, "GET")) as { sentMessages: Array<Record<string, unknown>> }
    const record = state.sentMessages.find((m) => m["wamid"] === sent.providerMessageId)
    expect(record).toMatchObject({ type: "image", phoneNumberId: owner.phoneNumberId })
    const uploaded = (await stack.control(`media?id=${String(record!["mediaId"])}`, undefined, "GET")) as {
      bytesBase64: string
      mimeType: string
    }
    expect(uploaded.mimeType).toBe("image/png")
    expect(Buffer.from(uploaded.bytesBase64, "base64").equals(png)).toBe(true)
    const again = await send()
    expect(((await again.json()) as { id: string }).id).toBe(sent.id)
    // Our copy is served to the tenant.
    const served = await mediaOf(owner.token, sent.id)
    expect(served.status).toBe(200)
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true)
    const listed = (await messages(owner.token)).find((m) => m.id === sent.id)
    expect(listed?.media).toMatchObject({ kind: "image", state: "AVAILABLE", caption: "here it is" })
    // Not an image: refused before anything is stored or sent.
    const refused = await http().api(owner.token, "POST", "/api/integrations/meta/whatsapp/media-messages", {
      to: "14155550142",
      kind: "image",
      base64: Buffer.from("%PDF-1.4 not an image").toString("base64")
    })
    expect(refused.status).toBe(400)
  }, 60_000)

  it("GET /api/media is limited to 600 a minute per workspace (429 with Retry-After); another workspace is not", async () => {
    const { token } = await http().session(`media-limit-${run}`)
    const { token: other } = await http().session(`media-limit-other-${run}`)
    const id = "00000000-0000-4000-8000-000000000000"
    const answers: Array<number> = []
    for (let batch = 0; batch < 12; batch++)
      answers.push(...(await Promise.all(Array.from({ length: 50 }, async () => (await mediaOf(token, id)).status))))
    expect(answers.filter((status) => status === 404)).toHaveLength(600)
    const refused = await mediaOf(token, id)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
    expect((await mediaOf(other, id)).status).toBe(404)
  }, 60_000)
})
