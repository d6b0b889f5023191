/**
 * A number connected while Meta reviews its display name (issue 14.7): pending `display_name_review` until Meta's
 * `phone_number_name_update` webhook decides. APPROVED registers the number and the connection becomes active;
 * REJECTED leaves it pending and says why in words. Through the real service and the sandbox Meta.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type Stack, startStack } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const databases = await systemDatabases()
const run = randomBytes(4).toString("hex")

interface View {
  readonly status: string
  readonly pendingReason: string | null
  readonly error: string | null
  readonly phoneNumberId: string | null
}

for (const database of databases) {
  describe(`display-name review through the sandbox (${database.name})`, () => {
    let stack: Stack
    const http = () => client(stack.service.url)
    const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await http().api(token, "POST", "/graphql", { query, variables })
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
      return body.data!
    }
    const view = async (token: string) =>
      (await graphql(token, "{ whatsappConnection { status pendingReason error phoneNumberId } }"))[
        "whatsappConnection"
      ] as View
    const send = (token: string) =>
      http().api(token, "POST", "/api/integrations/meta/whatsapp/messages", { to: "14155550123", text: "hello" })

    /** A tenant connects a number whose display name Meta has not approved: it cannot register yet. */
    const connectInReview = async (tenant: string) => {
      const seeded = await stack.control("seed/phone-number", { nameStatus: "NONE", verifiedName: "Acme Review" })
      const { token } = await http().session(`${tenant}-${run}`)
      await http().connect(token, { action: "approve", waba: String(seeded["wabaId"]), phone: String(seeded["id"]) })
      const chosen = (await graphql(
        token,
        `mutation($id: String!) { chooseWhatsAppNumber(phoneNumberId: $id) { __typename
        ... on ChooseWhatsAppNumberSuccess { connection { status pendingReason } } ... on Error { message } } }`,
        { id: String(seeded["id"]) }
      )) as { chooseWhatsAppNumber: { connection?: { status: string; pendingReason: string | null } } }
      expect(chosen.chooseWhatsAppNumber.connection).toEqual({
        status: "PENDING",
        pendingReason: "display_name_review"
      })
      return { token, phoneNumberId: String(seeded["id"]) }
    }

    beforeAll(async () => {
      stack = await startStack("name-review", { LOG_LEVEL: "warn", DATABASE_URL: database.url })
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("APPROVED: the number registers and the connection becomes active, so it sends", async () => {
      const { token, phoneNumberId } = await connectInReview("name-approved")
      expect((await send(token)).status, "nothing goes out while the name is in review").toBe(409)

      const decided = await stack.control("name-review", { phoneNumberId, decision: "APPROVED" })
      expect(decided["deliveryStatus"]).toBe(200)
      const active = await eventually(async () => {
        const current = await view(token)
        return current.status === "ACTIVE" ? current : undefined
      }, "the connection to become active")
      expect(active).toEqual({ status: "ACTIVE", pendingReason: null, error: null, phoneNumberId })
      const state = (await stack.control("state", undefined, "GET")) as {
        numbers?: Array<{ id: string; registered: boolean; nameStatus: string }>
      }
      expect(state.numbers?.find((n) => n.id === phoneNumberId)).toMatchObject({
        registered: true,
        nameStatus: "APPROVED"
      })
      // The contact writes: a reply inside the 24-hour window goes out from the number now registered.
      await contactWrites(stack.control, (q) => graphql(token, q), "14155550123")
      expect((await send(token)).status).toBe(201)
    }, 60_000)

    it("REJECTED: stays pending for the display name, and says Meta rejected it and what to do", async () => {
      const { token, phoneNumberId } = await connectInReview("name-rejected")
      const decided = await stack.control("name-review", {
        phoneNumberId,
        decision: "REJECTED",
        rejectionReason: "The display name does not follow the guidelines"
      })
      expect(decided["deliveryStatus"]).toBe(200)
      const rejected = await eventually(async () => {
        const current = await view(token)
        return current.error !== null ? current : undefined
      }, "the rejection to be recorded")
      expect(rejected.status).toBe("PENDING")
      expect(rejected.pendingReason).toBe("display_name_review")
      expect(rejected.error).toContain('Meta rejected the display name "Acme Review"')
      expect(rejected.error).toContain("The display name does not follow the guidelines")
      expect(rejected.error).toContain("Edit the display name in WhatsApp Manager")
      expect((await send(token)).status).toBe(409)
    }, 60_000)
  })
}
