import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { samplePng } from "./mediaSamples.ts"
import type { RunningSandbox } from "./Sandbox.ts"
import { connectedEachTest, graph, graphError, proofFor, type Receiver, control as sandboxControl } from "./testkit.ts"

let sandbox: RunningSandbox
let receiver: Receiver
let token: string
let numberId: string

const control = async (path: string, body: unknown) => (await sandboxControl(sandbox, path, body)).body

const download = (url: string, bearer?: string) =>
  fetch(url, bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } })

connectedEachTest((connected) => {
  ;({ sandbox, receiver, token, numberId } = connected)
})

describe("inbound media", () => {
  it("carries a media id whose short-lived URL serves the bytes only with the token", async () => {
    const png = samplePng(8, 8)
    const sent = await control("inbound", {
      phoneNumberId: numberId,
      type: "image",
      media: { base64: png.toString("base64"), mimeType: "image/png", caption: "the bike" }
    })
    await sandbox.webhooksIdle()
    const message = (
      receiver.received.at(-1)!.payload as {
        entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }>
      }
    ).entry[0]!.changes[0]!.value.messages[0]!
    expect(message["type"]).toBe("image")
    const image = message["image"] as Record<string, unknown>
    expect(image).toMatchObject({ id: sent["mediaId"], mime_type: "image/png", caption: "the bike" })
    expect(image["sha256"]).toBe(createHash("sha256").update(png).digest("base64"))

    const meta = await graph(sandbox, "GET", `/${String(sent["mediaId"])}`, { token })
    expect(meta.status).toBe(200)
    expect(meta.body).toMatchObject({
      messaging_product: "whatsapp",
      id: sent["mediaId"],
      mime_type: "image/png",
      sha256: createHash("sha256").update(png).digest("hex"),
      file_size: png.length
    })
    const url = String(meta.body["url"])
    expect(url).toContain("/whatsapp_business/attachments/?mid=")

    expect((await download(url)).status).toBe(401)
    expect((await download(url, "not-a-token")).status).toBe(401)
    const ok = await download(url, token)
    expect(ok.status).toBe(200)
    expect(ok.headers.get("content-type")).toBe("image/png")
    expect(Buffer.from(await ok.arrayBuffer()).equals(png)).toBe(true)
    // An altered URL does not answer.
    expect((await download(url.replace(/hash=[^&]+/, "hash=00"), token)).status).toBe(404)

    // Five minutes later the URL is dead; a fresh GET /{media-id} gives a new one.
    sandbox.advanceClock(301)
    expect((await download(url, token)).status).toBe(404)
    const again = await graph(sandbox, "GET", `/${String(sent["mediaId"])}`, { token })
    expect((await download(String(again.body["url"]), token)).status).toBe(200)
  })

  it("fails the next downloads when told to, then serves again", async () => {
    const sent = await control("inbound", { phoneNumberId: numberId, type: "document" })
    const meta = await graph(sandbox, "GET", `/${String(sent["mediaId"])}`, { token })
    expect(await control("media/fail-next", { count: 2 })).toEqual({ failNext: 2 })
    expect((await download(String(meta.body["url"]), token)).status).toBe(500)
    expect((await download(String(meta.body["url"]), token)).status).toBe(500)
    const ok = await download(String(meta.body["url"]), token)
    expect(ok.status).toBe(200)
    expect(
      Buffer.from(await ok.arrayBuffer())
        .subarray(0, 5)
        .toString()
    ).toBe("%PDF-")
  })

  it("refuses the metadata to a token without the number, and an unknown id", async () => {
    const sent = await control("inbound", { phoneNumberId: numberId, type: "audio" })
    expect(graphError(await graph(sandbox, "GET", `/${String(sent["mediaId"])}`)).code).toBe(104)
    expect(graphError(await graph(sandbox, "GET", "/9999999999999999", { token })).code).toBe(100)
  })
})

describe("upload and send by id", () => {
  const upload = (file: Blob, name: string, fields: Record<string, string> = { messaging_product: "whatsapp" }) => {
    const form = new FormData()
    for (const [key, value] of Object.entries(fields)) form.set(key, value)
    form.set("file", file, name)
    return fetch(`${sandbox.url}/v24.0/${numberId}/media?appsecret_proof=${proofFor(token)}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form
    })
  }

  it("answers an id a send names; the sent message records it", async () => {
    const png = samplePng(4, 4)
    const response = await upload(new Blob([new Uint8Array(png)], { type: "image/png" }), "a.png")
    expect(response.status).toBe(200)
    const { id } = (await response.json()) as { id: string }
    await control("inbound", { phoneNumberId: numberId, from: "15550109876" })
    const send = await graph(sandbox, "POST", `/${numberId}/messages`, {
      token,
      json: { messaging_product: "whatsapp", to: "15550109876", type: "image", image: { id, caption: "hi" } }
    })
    expect(send.status).toBe(200)
    expect(sandbox.ctx.state.sentMessages.at(-1)).toMatchObject({ type: "image", mediaId: id })
    const unknown = await graph(sandbox, "POST", `/${numberId}/messages`, {
      token,
      json: { messaging_product: "whatsapp", to: "15550109876", type: "image", image: { id: "123" } }
    })
    expect(graphError(unknown).code).toBe(100)
  })

  it("refuses an upload without messaging_product, of an unsupported type, or over the type's limit", async () => {
    const png = new Blob([new Uint8Array(samplePng(4, 4))], { type: "image/png" })
    expect((await upload(png, "a.png", {})).status).toBe(400)
    expect((await upload(new Blob(["x"], { type: "application/x-msdownload" }), "a.exe")).status).toBe(400)
    const big = new Blob([new Uint8Array(5 * 1024 * 1024 + 1)], { type: "image/jpeg" })
    const refused = await upload(big, "big.jpg")
    expect(((await refused.json()) as { error: { code: number } }).error.code).toBe(131053)
  })
})
