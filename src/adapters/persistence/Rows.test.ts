import { Equal, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Message } from "../../domain/Message.ts"
import { WebhookEvent } from "../../domain/WebhookEvent.ts"
import { MessageRow, toMessage, toWebhookEvent, WebhookEventRow } from "./Rows.ts"

// The worker's two hot rows are read by hand (Rows.ts); they must read exactly what the schema decodes, and refuse
// what it refuses.
const message = {
  id: "0d9b3d4e-8a6f-4c1e-9b1a-3f2f1d2c4b5a",
  tenant_id: "0d9b3d4e-8a6f-4c1e-9b1a-3f2f1d2c4b5b",
  conversation_id: "0d9b3d4e-8a6f-4c1e-9b1a-3f2f1d2c4b5c",
  provider_message_id: "wamid.1",
  direction: "outbound",
  type: "text",
  body: { text: "hello" },
  status: "failed",
  error: { code: 131026 },
  sent_at: new Date("2026-01-01T00:00:00Z"),
  status_updated_at: new Date("2026-01-01T00:00:01Z"),
  created_at: new Date("2026-01-01T00:00:02Z"),
  idempotency_key: "k"
}
const body = { object: "whatsapp_business_account", entry: [{ id: "1", changes: [] }] }
const event = {
  id: "0d9b3d4e-8a6f-4c1e-9b1a-3f2f1d2c4b5d",
  provider: "meta_whatsapp",
  received_at: new Date("2026-01-01T00:00:00Z"),
  body_sha256: "a".repeat(64),
  state: "pending",
  attempts: 2,
  last_error: null,
  processed_at: null,
  raw: new TextEncoder().encode(JSON.stringify(body)),
  payload: null
}
const bySchema = {
  message: Schema.decodeUnknownSync(MessageRow),
  event: (row: Record<string, unknown>) =>
    Schema.decodeUnknownSync(WebhookEventRow)({
      ...row,
      payload: row["raw"] instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(row["raw"])) : row["payload"]
    })
}

describe("rows read by hand", () => {
  it("a message reads as the schema decodes it", () => {
    for (const row of [message, { ...message, provider_message_id: null, error: null, direction: "inbound" }]) {
      const read = toMessage(row)
      expect(read).toBeInstanceOf(Message)
      expect({ ...read }).toStrictEqual({ ...bySchema.message(row) })
      expect(Equal.equals(read, bySchema.message(row))).toBe(true)
    }
  })

  it("an inbox row reads as the schema decodes it, its payload from raw or else from the jsonb", () => {
    for (const row of [
      event,
      { ...event, raw: null, payload: body, state: "processed", processed_at: new Date(), last_error: "x" }
    ]) {
      const read = toWebhookEvent(row)
      expect(read).toBeInstanceOf(WebhookEvent)
      expect({ ...read }).toStrictEqual({ ...bySchema.event(row) })
      expect(read.payload).toStrictEqual(body)
    }
  })

  it("a value of the wrong type is refused, as the schema refuses it", () => {
    const wrong: ReadonlyArray<[string, Record<string, unknown>]> = [
      ["message status", { ...message, status: "seen" }],
      ["message direction", { ...message, direction: "sideways" }],
      ["message time", { ...message, sent_at: "2026-01-01" }],
      ["message id", { ...message, id: 7 }],
      ["message invalid date", { ...message, created_at: new Date(Number.NaN) }]
    ]
    for (const [name, row] of wrong) {
      expect(() => bySchema.message(row), name).toThrow()
      expect(() => toMessage(row), name).toThrow(/^messages\./)
    }
    const wrongEvents: ReadonlyArray<[string, Record<string, unknown>]> = [
      ["event state", { ...event, state: "done" }],
      ["event attempts", { ...event, attempts: 1.5 }],
      ["event received_at", { ...event, received_at: null }],
      ["event last_error", { ...event, last_error: 3 }]
    ]
    for (const [name, row] of wrongEvents) {
      expect(() => bySchema.event(row), name).toThrow()
      expect(() => toWebhookEvent(row), name).toThrow(/^webhook_events\./)
    }
  })
})
