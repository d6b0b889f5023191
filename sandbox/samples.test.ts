import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { accountUpdateValue, type Change, envelope, inboundChange, statusChange } from "./payloads.ts"
import type { PhoneNumber } from "./state.ts"

/** Structural comparison: the set of key paths with leaf types, arrays as `[]`. */
const shape = (value: unknown, prefix = "", out = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) {
    for (const item of value) shape(item, `${prefix}[]`, out)
    if (value.length === 0) out.add(`${prefix}[]`)
  } else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) shape(v, prefix === "" ? key : `${prefix}.${key}`, out)
  } else {
    out.add(`${prefix}:${typeof value}`)
  }
  return out
}

/** Paths of `a` not in `b`, ignoring those that match one of `allowed`. */
const missing = (a: Set<string>, b: Set<string>, allowed: ReadonlyArray<RegExp> = []) =>
  [...a].filter((p) => !b.has(p) && !allowed.some((r) => r.test(p)))

const expectSameShape = (
  ours: unknown,
  theirs: unknown,
  options: { oursMayAdd?: ReadonlyArray<RegExp>; oursMayLack?: ReadonlyArray<RegExp> } = {}
) => {
  const a = shape(ours)
  const b = shape(theirs)
  expect(missing(a, b, options.oursMayAdd), "keys we send that the sample does not have").toEqual([])
  expect(missing(b, a, options.oursMayLack), "keys of the sample that we do not send").toEqual([])
}

/** Public samples from production integrations (see SOURCES.md there), kept in the project so the test runs on a fresh clone. */
const PUBLIC = join(import.meta.dirname, "..", "samples", "public")
const OWN = join(import.meta.dirname, "..", "samples", "webhooks")
const shared = (name: string): unknown => JSON.parse(readFileSync(join(PUBLIC, name), "utf8"))
const own = (name: string): unknown => JSON.parse(readFileSync(join(OWN, `${name}.json`), "utf8"))
const number: PhoneNumber = {
  id: "106540352242922",
  wabaId: "524126980791429",
  digits: "15550783881",
  verifiedName: "Sandbox Shop",
  qualityRating: "GREEN",
  messagingLimit: "TIER_2K",
  codeVerificationStatus: "VERIFIED",
  nameStatus: "APPROVED",
  registered: true,
  pin: null,
  lastOnboardedAtMs: 0
}
const wrap = (change: Change, time?: number) =>
  envelope([{ id: number.wabaId, ...(time === undefined ? {} : { time }), changes: [change] }])
const inbound = (input: Parameters<typeof inboundChange>[1]) => wrap(inboundChange(number, input, 1767225600).change)
const status = (s: "sent" | "delivered" | "read" | "failed", failure = false) =>
  wrap(
    statusChange(number, "wamid.X", "14155550143", s, 1767225600, {
      ...(failure ? { failure: { code: 131047, title: "Re-engagement message", message: "m", details: "d" } } : {})
    })
  )
const USER_ID_EXTRAS = [/parent_user_id/]
const CONVERSATION = [/\.conversation\./, /\.contacts\[\]/]

describe("sandbox payloads have the shapes of the public samples", () => {
  it("inbound text", () => {
    expectSameShape(
      inbound({ from: "14155550143", text: "hi", userId: "US.1" }),
      shared("inbound_text__david-lev_pywa.json"),
      {
        oursMayLack: USER_ID_EXTRAS
      }
    )
  })
  it("inbound image (url is newer and optional, caption optional)", () => {
    expectSameShape(
      inbound({ from: "14155550143", type: "image", userId: "US.1" }),
      shared("inbound_image_with_url__david-lev_pywa.json"),
      {
        oursMayLack: [...USER_ID_EXTRAS, /image\.url/]
      }
    )
    expectSameShape(
      inbound({ from: "14155550143", type: "image", text: "cap" }),
      shared("inbound_image_caption__netflie_whatsapp-cloud-api.json")
    )
  })
  it("inbound interactive button_reply with context", () => {
    expectSameShape(
      inbound({ from: "14155550143", type: "interactive", userId: "US.1", contextId: "wamid.Y" }),
      shared("inbound_interactive_button_reply__david-lev_pywa.json"),
      { oursMayLack: USER_ID_EXTRAS }
    )
  })
  it("inbound reaction", () => {
    expectSameShape(
      inbound({ from: "14155550143", type: "reaction", userId: "US.1" }),
      shared("inbound_reaction__david-lev_pywa.json"),
      {
        oursMayLack: USER_ID_EXTRAS
      }
    )
  })
  it("statuses: read, delivered with pricing, failed with errors", () => {
    // Current payloads: PMP pricing with `type`, no `conversation` on v24+; pywa's statuses also echo contacts.
    expectSameShape(status("read"), shared("status_read__david-lev_pywa.json"), {
      oursMayLack: [...CONVERSATION, /\.pricing\./]
    })
    expectSameShape(status("delivered"), shared("status_delivered_pricing__netflie_whatsapp-cloud-api.json"), {
      oursMayAdd: [/pricing\.type/],
      oursMayLack: CONVERSATION
    })
    expectSameShape(status("failed", true), shared("status_failed__david-lev_pywa.json"), { oursMayLack: CONVERSATION })
  })
  it("account_update PARTNER_APP_UNINSTALLED and PARTNER_REMOVED", () => {
    const info = { wabaId: "1", ownerBusinessId: "2", appId: "3", partnerBusinessId: "4" }
    const uninstall = envelope([
      {
        id: "4",
        time: 1767230000,
        changes: [{ field: "account_update", value: accountUpdateValue("PARTNER_APP_UNINSTALLED", info, {}) }]
      }
    ])
    expectSameShape(uninstall, shared("account_update_partner_app_uninstalled__david-lev_pywa.json"))
    const removed = envelope([
      {
        id: "4",
        time: 1767230000,
        changes: [
          {
            field: "account_update",
            value: accountUpdateValue("PARTNER_REMOVED", info, {
              disconnection_info: { reason: "PRIMARY_INACTIVITY", initiated_by: "SYSTEM" }
            })
          }
        ]
      }
    ])
    expectSameShape(removed, shared("account_update_partner_removed_disconnection__david-lev_pywa.json"))
  })
  it("several changes in one entry", () => {
    const a = inboundChange(number, { from: "14155550143", text: "1" }, 1).change
    const b = inboundChange(number, { from: "14155550143", text: "2" }, 2).change
    expectSameShape(
      envelope([{ id: number.wabaId, changes: [a, b] }]),
      shared("inbound_multiple_changes_text__netflie_whatsapp-cloud-api.json")
    )
  })
})

describe("the project's own samples (samples/webhooks)", () => {
  const files = readdirSync(OWN).filter((f) => f.endsWith(".json"))
  it("cover every kind the issue lists", () => {
    const names = files.map((f) => f.replace(/\.json$/, ""))
    for (const expected of [
      "inbound_text",
      "inbound_image",
      "inbound_audio",
      "inbound_video",
      "inbound_document",
      "inbound_sticker",
      "inbound_location",
      "inbound_contacts",
      "inbound_interactive_button_reply",
      "inbound_interactive_list_reply",
      "inbound_button",
      "inbound_reaction",
      "inbound_unsupported",
      "inbound_username_only",
      "status_sent",
      "status_delivered",
      "status_read",
      "status_played",
      "status_failed",
      "batch_multi_entry",
      "account_update_partner_app_uninstalled",
      "account_update_partner_removed",
      "account_update_disabled_update"
    ])
      expect(names).toContain(expected)
  })

  it.each(files)("%s has the webhook envelope and matches what the sandbox sends", (file) => {
    const payload = own(file.replace(/\.json$/, "")) as {
      object: string
      entry: Array<{ id: string; changes: Array<{ field: string; value: Record<string, unknown> }> }>
    }
    expect(payload.object).toBe("whatsapp_business_account")
    for (const entry of payload.entry) {
      expect(entry.id).toMatch(/^\d{15,16}$/)
      for (const change of entry.changes) {
        expect(["messages", "account_update"]).toContain(change.field)
        if (change.field === "messages") {
          expect(change.value["messaging_product"]).toBe("whatsapp")
          expect(Object.keys(change.value["metadata"] as object).sort()).toEqual([
            "display_phone_number",
            "phone_number_id"
          ])
        }
      }
    }
  })

  it("match the sandbox's payload shapes kind by kind", () => {
    const from = "14155550143"
    expectSameShape(inbound({ from, text: "x" }), own("inbound_text"))
    expectSameShape(inbound({ from, type: "image", text: "c" }), own("inbound_image"), { oursMayLack: [/image\.url/] })
    expectSameShape(inbound({ from, type: "list_reply", contextId: "w" }), own("inbound_interactive_list_reply"))
    expectSameShape(inbound({ from, type: "unsupported" }), own("inbound_unsupported"))
    expectSameShape(inbound({ from: "", userId: "US.1", text: "x" }), own("inbound_username_only"))
    expectSameShape(status("sent"), own("status_sent"))
    expectSameShape(status("read"), own("status_read"))
    expectSameShape(status("failed", true), own("status_failed"))
  })

  it("match the public samples' shapes", () => {
    expectSameShape(own("inbound_text"), shared("inbound_text__david-lev_pywa.json"), {
      oursMayLack: [/user_id/]
    })
    expectSameShape(own("status_failed"), shared("status_failed__david-lev_pywa.json"), { oursMayLack: CONVERSATION })
    expectSameShape(
      own("account_update_partner_app_uninstalled"),
      shared("account_update_partner_app_uninstalled__david-lev_pywa.json")
    )
  })
})
