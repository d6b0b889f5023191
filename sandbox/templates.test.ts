import { describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import { connectedEachTest, graph, graphError, type Receiver, control as sandboxControl } from "./testkit.ts"

let sandbox: RunningSandbox
let receiver: Receiver
let token: string
let wabaId: string
let numberId: string

const control = (path: string, body: unknown) => sandboxControl(sandbox, path, body)

const sendTemplate = (template: Record<string, unknown>, to = "15550001111") =>
  graph(sandbox, "POST", `/${numberId}/messages`, {
    token,
    json: { messaging_product: "whatsapp", to, type: "template", template }
  })

const ORDER = {
  name: "order_ready",
  language: "en_US",
  category: "UTILITY",
  components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} is ready.", example: { body_text: [["Ann", "42"]] } }]
}

connectedEachTest((connected) => {
  ;({ sandbox, receiver, token, wabaId, numberId } = connected)
})

describe("message templates", () => {
  it("every WABA starts with Meta's approved hello_world sample", async () => {
    const listed = await graph(sandbox, "GET", `/${wabaId}/message_templates`, { token })
    expect(listed.status).toBe(200)
    expect(listed.body["data"]).toEqual([
      expect.objectContaining({
        name: "hello_world",
        language: "en_US",
        category: "UTILITY",
        status: "APPROVED",
        parameter_format: "POSITIONAL"
      })
    ])
  })

  it("creates PENDING templates, lists them page by page, and deletes by name", async () => {
    for (const n of [1, 2, 3]) {
      const created = await graph(sandbox, "POST", `/${wabaId}/message_templates`, {
        token,
        json: { ...ORDER, name: `order_ready_${n}` }
      })
      expect(created.status).toBe(200)
      expect(created.body).toMatchObject({ status: "PENDING", category: "UTILITY" })
    }
    const first = await graph(sandbox, "GET", `/${wabaId}/message_templates`, { token, query: { limit: "2" } })
    expect((first.body["data"] as Array<unknown>).length).toBe(2)
    const paging = first.body["paging"] as { cursors: { after: string }; next: string }
    expect(paging.next).toContain("after=")
    const second = await graph(sandbox, "GET", `/${wabaId}/message_templates`, {
      token,
      query: { limit: "2", after: paging.cursors.after }
    })
    expect((second.body["data"] as Array<{ name: string }>).map((t) => t.name)).toEqual([
      "order_ready_2",
      "order_ready_3"
    ])
    expect(second.body["paging"]).not.toHaveProperty("next")

    const deleted = await graph(sandbox, "DELETE", `/${wabaId}/message_templates`, {
      token,
      query: { name: "order_ready_2" }
    })
    expect(deleted.body).toEqual({ success: true })
    const missing = await graph(sandbox, "DELETE", `/${wabaId}/message_templates`, {
      token,
      query: { name: "order_ready_2" }
    })
    expect(graphError(missing)["code"]).toBe(100)
  })

  it("refuses a name with capitals, an unknown category, a duplicate language, and no body", async () => {
    const bad = async (json: Record<string, unknown>) =>
      graphError(await graph(sandbox, "POST", `/${wabaId}/message_templates`, { token, json }))
    expect((await bad({ ...ORDER, name: "Order Ready" }))["error_subcode"]).toBe(2388042)
    expect((await bad({ ...ORDER, category: "PROMO" }))["message"]).toContain("category")
    expect((await bad({ ...ORDER, components: [{ type: "FOOTER", text: "x" }] }))["message"]).toContain("BODY")
    expect(await graph(sandbox, "POST", `/${wabaId}/message_templates`, { token, json: ORDER })).toMatchObject({
      status: 200
    })
    expect((await bad(ORDER))["error_subcode"]).toBe(2388024)
  })

  it("named variables: created with body_text_named_params; samples missing or of the other format are refused", async () => {
    const create = (json: Record<string, unknown>) =>
      graph(sandbox, "POST", `/${wabaId}/message_templates`, { token, json })
    const named = (
      example: Record<string, unknown> | undefined,
      text = "Hi {{first_name}}, order {{order_id}} is ready."
    ) => ({
      name: "order_named",
      language: "en_US",
      category: "UTILITY",
      parameter_format: "NAMED",
      components: [{ type: "BODY", text, ...(example === undefined ? {} : { example }) }]
    })
    const refused = async (json: Record<string, unknown>) => graphError(await create(json))
    expect((await refused(named(undefined)))["error_subcode"]).toBe(2388043)
    expect((await refused(named({ body_text: [["Ann", "42"]] })))["message"]).toContain("body_text_named_params")
    expect(
      (await refused(named({ body_text_named_params: [{ param_name: "first_name", example: "Ann" }] })))["message"]
    ).toContain("first_name, order_id")
    expect(
      (
        await refused(
          named({
            body_text_named_params: [
              { param_name: "first_name", example: "" },
              { param_name: "order_id", example: "42" }
            ]
          })
        )
      )["message"]
    ).toContain("non-empty")
    expect((await refused(named(undefined, "Hi {{FirstName}} there.")))["message"]).toContain("lowercase")
    expect(
      (
        await refused({
          ...ORDER,
          components: [{ type: "BODY", text: "Hi {{1}} and {{2}}.", example: { body_text: [["Ann"]] } }]
        })
      )["message"]
    ).toContain("2 sample")
    const ok = named({
      body_text_named_params: [
        { param_name: "first_name", example: "Ann" },
        { param_name: "order_id", example: "42" }
      ]
    })
    expect((await create(ok)).status).toBe(200)
    const listed = await graph(sandbox, "GET", `/${wabaId}/message_templates`, { token })
    const node = (listed.body as { data: Array<Record<string, unknown>> }).data.find(
      (t) => t["name"] === "order_named"
    )!
    expect(node["parameter_format"]).toBe("NAMED")
    expect((node["components"] as Array<Record<string, unknown>>)[0]!["example"]).toEqual(ok.components[0]!.example)
  })

  it("the review control moves a template and sends message_template_status_update", async () => {
    await graph(sandbox, "POST", `/${wabaId}/message_templates`, { token, json: ORDER })
    const reviewed = await control("templates/review", {
      wabaId,
      name: "order_ready",
      language: "en_US",
      status: "REJECTED",
      reason: "INVALID_FORMAT"
    })
    expect(reviewed.status).toBe(200)
    await sandbox.webhooksIdle()
    const delivery = receiver.received.at(-1)!
    const change = (
      delivery.payload as { entry: Array<{ id: string; changes: Array<{ field: string; value: unknown }> }> }
    ).entry[0]!
    expect(change.id).toBe(wabaId)
    expect(change.changes[0]!.field).toBe("message_template_status_update")
    expect(change.changes[0]!.value).toMatchObject({
      event: "REJECTED",
      message_template_name: "order_ready",
      message_template_language: "en_US",
      reason: "INVALID_FORMAT",
      message_template_category: "UTILITY"
    })
    expect(typeof (change.changes[0]!.value as Record<string, unknown>)["message_template_id"]).toBe("number")
    const listed = await graph(sandbox, "GET", `/${wabaId}/message_templates`, {
      token,
      query: { fields: "name,status,rejected_reason" }
    })
    expect(listed.body["data"]).toContainEqual(
      expect.objectContaining({ name: "order_ready", status: "REJECTED", rejected_reason: "INVALID_FORMAT" })
    )
  })

  it("validates template sends as Meta does: name/language, state, parameter count, format, header media", async () => {
    await graph(sandbox, "POST", `/${wabaId}/message_templates`, { token, json: ORDER })
    const body = (...texts: Array<string>) => [
      { type: "body", parameters: texts.map((text) => ({ type: "text", text })) }
    ]
    // PENDING: not sendable yet.
    const pending = await sendTemplate({ name: "order_ready", language: { code: "en_US" }, components: body("A", "1") })
    expect(graphError(pending)["code"]).toBe(132001)
    await control("templates/review", { wabaId, name: "order_ready", status: "APPROVED" })
    const ok = await sendTemplate({ name: "order_ready", language: { code: "en_US" }, components: body("A", "1") })
    expect(ok.status).toBe(200)
    expect(ok.body["messages"]).toEqual([expect.objectContaining({ message_status: "accepted" })])
    const wrongLanguage = await sendTemplate({ name: "order_ready", language: { code: "pt_BR" }, components: body() })
    expect(graphError(wrongLanguage)["code"]).toBe(132001)
    const count = graphError(
      await sendTemplate({ name: "order_ready", language: { code: "en_US" }, components: body("A") })
    )
    expect(count["code"]).toBe(132000)
    expect((count["error_data"] as { details: string }).details).toContain(
      "(1) does not match the expected number of params (2)"
    )
    const named = await sendTemplate({
      name: "order_ready",
      language: { code: "en_US" },
      components: [
        {
          type: "body",
          parameters: [
            { type: "text", parameter_name: "name", text: "A" },
            { type: "text", parameter_name: "order", text: "1" }
          ]
        }
      ]
    })
    expect(graphError(named)["code"]).toBe(132012)
    await control("templates/review", { wabaId, name: "order_ready", status: "PAUSED", reason: "LOW_QUALITY" })
    const paused = await sendTemplate({ name: "order_ready", language: { code: "en_US" }, components: body("A", "1") })
    expect(graphError(paused)["code"]).toBe(132015)
    await control("templates/review", { wabaId, name: "order_ready", status: "DISABLED" })
    const disabled = await sendTemplate({
      name: "order_ready",
      language: { code: "en_US" },
      components: body("A", "1")
    })
    expect(graphError(disabled)["code"]).toBe(132016)

    // A header image needs an image parameter.
    await graph(sandbox, "POST", `/${wabaId}/message_templates`, {
      token,
      json: {
        name: "with_image",
        language: "en_US",
        category: "MARKETING",
        components: [
          { type: "HEADER", format: "IMAGE" },
          { type: "BODY", text: "Look" }
        ]
      }
    })
    await control("templates/review", { wabaId, name: "with_image", status: "APPROVED" })
    const noImage = await sendTemplate({ name: "with_image", language: { code: "en_US" } })
    expect(graphError(noImage)["code"]).toBe(132012)
    const image = await sendTemplate({
      name: "with_image",
      language: { code: "en_US" },
      components: [{ type: "header", parameters: [{ type: "image", image: { link: "https://example.com/a.png" } }] }]
    })
    expect(image.status).toBe(200)
  })

  it("a template goes outside the customer service window; free text and media fail there with 131047", async () => {
    const hello = await sendTemplate({ name: "hello_world", language: { code: "en_US" } })
    expect(hello.status).toBe(200)
    const text = await graph(sandbox, "POST", `/${numberId}/messages`, {
      token,
      json: { messaging_product: "whatsapp", to: "15550001111", type: "text", text: { body: "hi" } }
    })
    expect(text.status).toBe(200)
    await sandbox.webhooksIdle()
    const statuses = receiver.received
      .flatMap((d) => (d.payload as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> }).entry)
      .flatMap((e) => e.changes.map((c) => c.value["statuses"] as Array<Record<string, unknown>> | undefined))
      .flatMap((s) => s ?? [])
    const of = (wamid: unknown) => statuses.filter((s) => s["id"] === wamid).map((s) => s["status"])
    expect(of((hello.body["messages"] as Array<{ id: string }>)[0]!.id)).toEqual(["sent", "delivered", "read"])
    expect(of((text.body["messages"] as Array<{ id: string }>)[0]!.id)).toEqual(["failed"])
  })
})
