import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { WebhookVerifier } from "../../application/webhooks/ports/WebhookDecoder.ts"
import { WebhookSettings } from "../../application/webhooks/ports/WebhookSettings.ts"
import { decodeMetaWebhook, MetaWebhookVerifier } from "./MetaWebhooks.ts"

const received = new Date("2026-01-02T00:00:00.000Z")

describe("decodeMetaWebhook", () => {
  it.effect("reads the three template webhooks (Meta's reference payloads) into template changes", () =>
    Effect.gen(function* () {
      const named = {
        message_template_id: 1234567,
        message_template_name: "order_ready",
        message_template_language: "en_US"
      }
      const changes = yield* decodeMetaWebhook(
        {
          object: "whatsapp_business_account",
          entry: [
            {
              id: "102290129340398",
              time: 1767225600,
              changes: [
                {
                  field: "message_template_status_update",
                  value: { ...named, event: "REJECTED", reason: "INVALID_FORMAT", message_template_category: "UTILITY" }
                },
                { field: "message_template_status_update", value: { ...named, event: "APPROVED", reason: "NONE" } },
                {
                  field: "message_template_quality_update",
                  value: { ...named, previous_quality_score: "GREEN", new_quality_score: "YELLOW" }
                },
                {
                  field: "template_category_update",
                  value: { ...named, previous_category: "UTILITY", new_category: "MARKETING" }
                }
              ]
            }
          ]
        },
        received
      )
      const at = new Date("2026-01-01T00:00:00.000Z")
      const ref = {
        wabaId: "102290129340398",
        templateId: "1234567",
        name: "order_ready",
        language: "en_US",
        occurredAt: at
      }
      assert.deepStrictEqual(changes, [
        {
          _tag: "TemplateReviewed",
          ...ref,
          status: "REJECTED",
          statusText: "REJECTED",
          reason: "INVALID_FORMAT",
          category: "UTILITY"
        },
        { _tag: "TemplateReviewed", ...ref, status: "APPROVED", statusText: "APPROVED", reason: null, category: null },
        { _tag: "TemplateQualityChanged", ...ref, quality: "YELLOW" },
        { _tag: "TemplateCategoryChanged", ...ref, category: "MARKETING" }
      ])
      const broken = yield* Effect.flip(
        decodeMetaWebhook(
          {
            entry: [{ id: "1", changes: [{ field: "message_template_status_update", value: { event: "APPROVED" } }] }]
          },
          received
        )
      )
      assert.include(broken.detail, "message_template_status_update")
    })
  )

  it.effect("reads every change of every entry into the domain's changes, and skips fields it does not handle", () =>
    Effect.gen(function* () {
      const changes = yield* decodeMetaWebhook(
        {
          object: "whatsapp_business_account",
          entry: [
            {
              id: "102290129340398",
              time: 1767225600,
              changes: [
                {
                  field: "messages",
                  value: {
                    metadata: { phone_number_id: "106540352242922" },
                    contacts: [{ wa_id: "14155550001", profile: { name: "Ana" } }],
                    messages: [{ from: "14155550001", id: "wamid.1", type: "text", text: { body: "hi" } }],
                    statuses: [
                      { id: "wamid.2", status: "read", timestamp: "1767225601" },
                      { id: "wamid.3", status: "deleted" }
                    ]
                  }
                },
                { field: "user_preferences", value: { event: "APPROVED" } },
                {
                  field: "account_update",
                  value: { event: "DISABLED_UPDATE", ban_info: { waba_ban_state: ["REINSTATE"] } }
                },
                {
                  field: "phone_number_name_update",
                  value: {
                    display_phone_number: "15550783881",
                    decision: "REJECTED",
                    requested_verified_name: "Acme",
                    rejection_reason: "NONE"
                  }
                }
              ]
            }
          ]
        },
        received
      )
      assert.deepStrictEqual(
        changes.map((c) => c._tag),
        ["NumberActivity", "AccountUpdated", "DisplayNameReviewed"]
      )
      const [activity, account, review] = changes
      assert.deepStrictEqual(activity, {
        _tag: "NumberActivity",
        phoneNumberId: "106540352242922",
        messages: [
          {
            _tag: "InboundMessage",
            providerMessageId: "wamid.1",
            contactKey: "14155550001",
            contactName: "Ana",
            type: "text",
            body: { from: "14155550001", id: "wamid.1", type: "text", text: { body: "hi" } },
            content: { _tag: "Text", text: "hi" },
            referral: null,
            sentAt: received
          }
        ],
        statuses: [
          {
            _tag: "StatusChanged",
            providerMessageId: "wamid.2",
            status: "read",
            occurredAt: new Date(1767225601000),
            payload: { id: "wamid.2", status: "read", timestamp: "1767225601" },
            error: null,
            errorText: null
          }
        ]
      })
      assert.deepStrictEqual(account, {
        _tag: "AccountUpdated",
        wabaId: "102290129340398",
        event: "DISABLED_UPDATE",
        effect: { _tag: "Reinstated" },
        occurredAt: new Date(1767225600000)
      })
      assert.deepStrictEqual(review, {
        _tag: "DisplayNameReviewed",
        wabaId: "102290129340398",
        displayPhoneNumber: "15550783881",
        decision: "rejected",
        decisionText: "REJECTED",
        requestedName: "Acme",
        rejectionReason: null,
        occurredAt: new Date(1767225600000)
      })
    })
  )

  it.effect("reads a Click-to-WhatsApp message's referral (Meta's reference shape) into the inbound message", () =>
    Effect.gen(function* () {
      const message = {
        from: "14155550001",
        id: "wamid.ad1",
        timestamp: "1767225600",
        type: "text",
        text: { body: "Is this still on sale?" },
        referral: {
          source_url: "https://fb.me/3cr4Wqqkk",
          source_id: "120200000000001",
          source_type: "ad",
          headline: "Spring sale",
          body: "Write to us on WhatsApp",
          media_type: "image",
          image_url: "https://scontent.example/ad.jpg",
          thumbnail_url: "https://scontent.example/ad-thumb.jpg",
          ctwa_clid: "ARAkLkA8rmlF"
        }
      }
      const [activity] = yield* decodeMetaWebhook(
        {
          object: "whatsapp_business_account",
          entry: [
            {
              id: "102290129340398",
              changes: [
                {
                  field: "messages",
                  value: {
                    metadata: { phone_number_id: "106540352242922" },
                    contacts: [{ wa_id: "14155550001", profile: { name: "Ana" } }],
                    messages: [message, { ...message, id: "wamid.plain", referral: undefined }]
                  }
                }
              ]
            }
          ]
        },
        received
      )
      assert.strictEqual(activity?._tag, "NumberActivity")
      const [fromAd, plain] = activity?._tag === "NumberActivity" ? activity.messages : []
      assert.deepStrictEqual(fromAd?.referral, {
        sourceType: "ad",
        sourceId: "120200000000001",
        sourceUrl: "https://fb.me/3cr4Wqqkk",
        headline: "Spring sale",
        body: "Write to us on WhatsApp",
        mediaType: "image",
        ctwaClid: "ARAkLkA8rmlF"
      })
      assert.deepStrictEqual(fromAd?.content, { _tag: "Text", text: "Is this still on sale?" })
      assert.isNull(plain?.referral)
    })
  )

  it.effect("sorts account events: revoked, disabled, restricted (with the violation), informational", () =>
    Effect.gen(function* () {
      const effectOf = (value: unknown) =>
        decodeMetaWebhook({ entry: [{ id: "1", changes: [{ field: "account_update", value }] }] }, received).pipe(
          Effect.map((changes) => (changes[0]?._tag === "AccountUpdated" ? changes[0].effect : null))
        )
      assert.deepStrictEqual(yield* effectOf({ event: "PARTNER_REMOVED" }), { _tag: "Revoked" })
      assert.deepStrictEqual(yield* effectOf({ event: "ACCOUNT_DELETED" }), { _tag: "Disabled" })
      assert.deepStrictEqual(yield* effectOf({ event: "DISABLED_UPDATE", ban_info: { waba_ban_state: "DISABLE" } }), {
        _tag: "Disabled"
      })
      assert.deepStrictEqual(
        yield* effectOf({
          event: "ACCOUNT_VIOLATION",
          violation_info: { violation_type: "SPAM" },
          restriction_info: [{ restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: 1767225600 }]
        }),
        {
          _tag: "Restricted",
          restrictions: [
            {
              type: "RESTRICTED_BIZ_INITIATED_MESSAGING",
              blocks: "business_initiated",
              expires_at: "2026-01-01T00:00:00.000Z"
            }
          ],
          violation: { type: "SPAM" }
        }
      )
      assert.deepStrictEqual(yield* effectOf({ event: "PARTNER_ADDED" }), { _tag: "Informational" })
    })
  )

  it.effect("reads the health fields: quality (by number), account review and business capability (by WABA)", () =>
    Effect.gen(function* () {
      const change = (field: string, value: unknown) => ({ field, value })
      const changes = yield* decodeMetaWebhook(
        {
          object: "whatsapp_business_account",
          entry: [
            {
              id: "102290129340398",
              time: 1767225600,
              changes: [
                change("phone_number_quality_update", {
                  display_phone_number: "15550783881",
                  event: "FLAGGED",
                  current_limit: "TIER_250"
                }),
                change("phone_number_quality_update", {
                  display_phone_number: "15550783881",
                  event: "DOWNGRADE",
                  old_limit: "TIER_2K",
                  current_limit: "TIER_250"
                }),
                change("phone_number_quality_update", { display_phone_number: "15550783881", event: "ONBOARDING" }),
                change("account_review_update", { decision: "REJECTED" }),
                change("account_review_update", { decision: "SOMETHING_NEW" }),
                change("business_capability_update", {
                  max_daily_conversations_per_business: "10000",
                  max_phone_numbers_per_business: 20
                })
              ]
            }
          ]
        },
        received
      )
      const at = new Date(1767225600 * 1000)
      assert.deepStrictEqual(changes, [
        {
          _tag: "NumberQualityReported",
          wabaId: "102290129340398",
          displayPhoneNumber: "15550783881",
          event: "flagged",
          eventText: "FLAGGED",
          currentLimit: "TIER_250",
          occurredAt: at
        },
        {
          _tag: "NumberQualityReported",
          wabaId: "102290129340398",
          displayPhoneNumber: "15550783881",
          event: "limit_lowered",
          eventText: "DOWNGRADE",
          currentLimit: "TIER_250",
          occurredAt: at
        },
        {
          _tag: "NumberQualityReported",
          wabaId: "102290129340398",
          displayPhoneNumber: "15550783881",
          event: "other",
          eventText: "ONBOARDING",
          currentLimit: null,
          occurredAt: at
        },
        {
          _tag: "AccountReviewed",
          wabaId: "102290129340398",
          decision: "rejected",
          decisionText: "REJECTED",
          occurredAt: at
        },
        {
          _tag: "AccountReviewed",
          wabaId: "102290129340398",
          decision: "unknown",
          decisionText: "SOMETHING_NEW",
          occurredAt: at
        },
        {
          _tag: "CapabilityChanged",
          wabaId: "102290129340398",
          maxDailyConversations: 10000,
          maxPhoneNumbers: 20,
          occurredAt: at
        }
      ])
      const broken = yield* Effect.flip(
        decodeMetaWebhook(
          { entry: [{ id: "1", changes: [change("phone_number_quality_update", { event: 3 })] }] },
          received
        )
      )
      assert.include(broken.detail, "phone_number_quality_update")
    })
  )

  it.effect("a payload it cannot read fails with what and where", () =>
    Effect.gen(function* () {
      const noSender = yield* Effect.flip(
        decodeMetaWebhook(
          {
            entry: [
              {
                changes: [
                  {
                    field: "messages",
                    value: { metadata: { phone_number_id: "1" }, messages: [{ id: "wamid.x", type: "text" }] }
                  }
                ]
              }
            ]
          },
          received
        )
      )
      assert.strictEqual(noSender.detail, "message wamid.x has no sender")
      const envelope = yield* Effect.flip(decodeMetaWebhook({ object: "x" }, received))
      assert.match(envelope.detail, /^envelope: /)
      const name = yield* Effect.flip(
        decodeMetaWebhook({ entry: [{ changes: [{ field: "phone_number_name_update", value: {} }] }] }, received)
      )
      assert.match(name.detail, /^phone_number_name_update change: /)
    })
  )
})

describe("MetaWebhookVerifier", () => {
  const SECRET = "verifier-secret"
  const Verifier = MetaWebhookVerifier.pipe(
    Layer.provide(Layer.succeed(WebhookSettings, { appSecret: Redacted.make(SECRET), verifyToken: Redacted.make("v") }))
  )
  const sign = (body: string) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`
  it.effect(
    "reads a signed JSON object; refuses a wrong signature before parsing, and a body that is not an object",
    () =>
      Effect.gen(function* () {
        const verifier = yield* WebhookVerifier
        const bytes = (text: string) => new TextEncoder().encode(text)
        assert.deepStrictEqual(yield* verifier.read(bytes('{"entry":[]}'), sign('{"entry":[]}')), { entry: [] })
        const forged = yield* Effect.flip(verifier.read(bytes("not json"), `sha256=${"0".repeat(64)}`))
        assert.strictEqual(forged._tag, "InvalidWebhookSignature")
        const array = yield* Effect.flip(verifier.read(bytes("[1]"), sign("[1]")))
        assert.strictEqual(array._tag === "InvalidWebhookPayload" ? array.detail : "", "not a JSON object")
        assert.strictEqual(verifier.provider, "meta_whatsapp")
      }).pipe(Effect.provide(Verifier))
  )
})
