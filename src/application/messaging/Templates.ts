import { Clock, Context, type Duration, Effect, Layer, Option } from "effect"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { type Forbidden, InvalidMessage, NotConnected, type TokenUnreadable } from "../../domain/Errors.ts"
import type { WabaId } from "../../domain/Ids.ts"
import { type MessageTemplate, type ParameterFormat, placeholdersOf } from "../../domain/MessageTemplate.ts"
import { templateStatusEvent } from "../../domain/OutboundEvent.ts"
import { type Actor, requireOperator } from "../Actor.ts"
import { TemplateSync } from "../connect/ports/TemplateSync.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { MetaGraph, type MetaGraphError } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { spreadOver } from "../SpreadOver.ts"
import { storedToken } from "../StoredToken.ts"
import { type TemplateChange, TemplateWebhooks } from "../webhooks/ports/TemplateWebhooks.ts"
import { MessageTemplates, type TemplateStatusAnnounce } from "./ports/MessageTemplates.ts"

/** What the tenant sees: the connected WABA's templates as last synced (none when not connected). */
export interface TemplateList {
  readonly wabaId: string | null
  readonly templates: ReadonlyArray<MessageTemplate>
}

/**
 * A template to submit for Meta's review: a body with `{{1}}`, `{{2}}`… placeholders (POSITIONAL, the default) or
 * `{{first_name}}`… (NAMED), and an example for each placeholder in order of first appearance.
 */
export interface CreateTemplateInput {
  readonly name: string
  readonly language: string
  readonly category: string
  readonly parameterFormat?: ParameterFormat | undefined
  readonly bodyText: string
  readonly bodyExamples: ReadonlyArray<string>
  readonly headerText?: string | null | undefined
  readonly footerText?: string | null | undefined
}

export type TemplateSyncError = NotConnected | MetaGraphError | TokenUnreadable
export type TemplateAdminError = TemplateSyncError | Forbidden | InvalidMessage

const CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"]
/** Meta's limits: a name of lowercase letters, digits and underscores (512); a body of 1024 characters. */
const NAME = /^[a-z0-9_]{1,512}$/
const LANGUAGE = /^[a-z]{2,3}(_[A-Z]{2})?$/
const MAX_BODY = 1024
/** A named placeholder: lowercase letters, digits and underscores, starting with a letter (as the sandbox checks). */
const PLACEHOLDER_NAME = /^[a-z][a-z0-9_]*$/

/** A connection whose WABA's templates can be read: not retired, with its WABA and a token. */
const holdsTemplates = (connection: ChannelConnection) =>
  connection.provider === "meta_whatsapp" &&
  connection.status !== "revoked" &&
  connection.wabaId !== null &&
  connection.accessTokenEnc !== null

/** Null when `input` is a template Meta would take for review; otherwise why not, in words. */
export const templateInputProblem = (input: CreateTemplateInput): string | null => {
  if (!NAME.test(input.name))
    return "The name may only have lowercase letters, digits and underscores (e.g. order_ready)."
  if (!LANGUAGE.test(input.language)) return "The language is a code such as en_US, pt_BR or es."
  if (!CATEGORIES.includes(input.category)) return "The category is MARKETING, UTILITY or AUTHENTICATION."
  const body = input.bodyText.trim()
  if (body === "") return "The body text is empty."
  if (body.length > MAX_BODY) return `The body text is longer than ${MAX_BODY} characters.`
  const placeholders = placeholdersOf(body)
  if (input.parameterFormat === "NAMED") {
    if (placeholders.some((p) => !PLACEHOLDER_NAME.test(p)))
      return "Name each placeholder with lowercase letters, digits and underscores, starting with a letter (e.g. {{first_name}})."
  } else {
    const expected = placeholders.map((_, index) => String(index + 1))
    if (placeholders.some((p, index) => p !== expected[index]))
      return "Number the placeholders {{1}}, {{2}}… in order, without gaps (or choose named placeholders)."
  }
  if (/^\s*\{\{|\}\}\s*$/.test(body)) return "The body may not start or end with a placeholder (Meta refuses it)."
  if (input.bodyExamples.length !== placeholders.length || input.bodyExamples.some((e) => e.trim() === ""))
    return `Give an example value for each placeholder (${placeholders.length}): Meta reviews the template with them.`
  if (placeholdersOf(input.headerText ?? null).length > 0) return "The header has no placeholders here."
  return null
}

/**
 * The WABA's message templates kept in step with Meta: a full sync (`GET /{waba-id}/message_templates`, every page)
 * after a connect, on the template job's schedule and on "Sync now"; a webhook moves one template at once
 * (`WebhookProcessor` hands it to {@link Templates.applyWebhook}). Creating and deleting go to Meta first, then
 * into the store.
 */
export class Templates extends Context.Service<
  Templates,
  {
    list(actor: Actor): Effect.Effect<TemplateList>
    /** "Sync now": the current connection's WABA, read from Meta. */
    sync(actor: Actor): Effect.Effect<TemplateList, TemplateSyncError>
    /** One connection's WABA read from Meta into the store; how many templates it has. */
    syncConnection(connection: ChannelConnection): Effect.Effect<number, MetaGraphError | TokenUnreadable>
    create(actor: Actor, input: CreateTemplateInput): Effect.Effect<MessageTemplate, TemplateAdminError>
    remove(actor: Actor, name: string): Effect.Effect<TemplateList, TemplateAdminError>
    /** A template webhook: a status (announced as `template.status`), a quality score or a category. */
    applyWebhook(change: TemplateChange): Effect.Effect<number>
    /** The connections the template job syncs. */
    readonly due: Effect.Effect<ReadonlyArray<ChannelConnection>>
  }
>()("app/application/messaging/Templates") {
  static readonly layer = Layer.effect(
    Templates,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const store = yield* MessageTemplates
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const audit = yield* AuditLog
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      const current = (actor: Actor) =>
        connections.findCurrent(actor.tenantId, "meta_whatsapp").pipe(Effect.map(Option.filter(holdsTemplates)))

      const connected = (actor: Actor) =>
        Effect.flatMap(current(actor), (found) =>
          Option.isNone(found)
            ? Effect.fail(new NotConnected({ status: "not_connected" }))
            : Effect.succeed(found.value)
        )

      const listOf = (connection: ChannelConnection) =>
        Effect.map(store.list(connection.tenantId, connection.wabaId!), (templates) => ({
          wabaId: connection.wabaId,
          templates
        }))

      const announceStatus: TemplateStatusAnnounce = (tenantId, template, previous) => [
        templateStatusEvent(tenantId, template, previous)
      ]

      const syncConnection = Effect.fn("Templates.syncConnection")(function* (connection: ChannelConnection) {
        const token = yield* storedToken(cipher, connection, "Template sync")
        const remote = yield* graph.listTemplates(token, connection.wabaId as WabaId)
        const at = yield* now
        yield* store.replaceAll(
          connection.tenantId,
          connection.wabaId!,
          remote.map((t) => ({ ...t, wabaId: connection.wabaId!, updatedAt: at })),
          announceStatus
        )
        yield* Effect.logInfo(`Templates synced: ${remote.length}`).pipe(
          Effect.annotateLogs({ tenant_id: connection.tenantId, connection_id: connection.id })
        )
        return remote.length
      })

      const list = Effect.fn("Templates.list")(function* (actor: Actor) {
        const found = yield* current(actor)
        return Option.isNone(found) ? { wabaId: null, templates: [] } : yield* listOf(found.value)
      })

      const sync = Effect.fn("Templates.sync")(function* (actor: Actor) {
        const connection = yield* connected(actor)
        yield* syncConnection(connection)
        return yield* listOf(connection)
      })

      const admin = (actor: Actor, action: string) => {
        const forbidden = requireOperator(actor, action)
        return forbidden === null ? Effect.void : Effect.fail(forbidden)
      }

      const create = Effect.fn("Templates.create")(function* (actor: Actor, raw: CreateTemplateInput) {
        yield* admin(actor, "create message templates")
        const input = {
          ...raw,
          name: raw.name.trim(),
          language: raw.language.trim(),
          category: raw.category.trim().toUpperCase(),
          bodyText: raw.bodyText.trim(),
          headerText: raw.headerText?.trim() || null,
          footerText: raw.footerText?.trim() || null
        }
        const problem = templateInputProblem(input)
        if (problem !== null) return yield* new InvalidMessage({ detail: problem })
        const format: ParameterFormat = input.parameterFormat === "NAMED" ? "NAMED" : "POSITIONAL"
        const connection = yield* connected(actor)
        const token = yield* storedToken(cipher, connection, "Template create")
        const created = yield* graph.createTemplate(token, connection.wabaId as WabaId, {
          name: input.name,
          language: input.language,
          category: input.category,
          parameterFormat: format,
          headerText: input.headerText,
          bodyText: input.bodyText,
          footerText: input.footerText,
          bodyExamples: input.bodyExamples
        })
        const template: MessageTemplate = {
          wabaId: connection.wabaId!,
          templateId: created.templateId,
          name: input.name,
          language: input.language,
          category: created.category,
          status: created.status === "APPROVED" ? "APPROVED" : "PENDING",
          rejectedReason: null,
          quality: null,
          parameterFormat: format,
          headerKind: input.headerText === null ? "none" : "text",
          headerText: input.headerText,
          bodyText: input.bodyText,
          footerText: input.footerText,
          headerPlaceholders: [],
          bodyPlaceholders: placeholdersOf(input.bodyText),
          updatedAt: yield* now
        }
        yield* store.put(actor.tenantId, template)
        yield* audit.record({
          tenantId: actor.tenantId,
          userId: actor.userId,
          action: "whatsapp.template.created",
          resourceType: "message_template",
          resourceId: created.templateId,
          details: { name: input.name, language: input.language, category: created.category },
          ip: actor.ip
        })
        return template
      })

      const remove = Effect.fn("Templates.remove")(function* (actor: Actor, name: string) {
        yield* admin(actor, "delete message templates")
        const connection = yield* connected(actor)
        const token = yield* storedToken(cipher, connection, "Template delete")
        yield* graph.deleteTemplate(token, connection.wabaId as WabaId, name)
        yield* store.remove(actor.tenantId, connection.wabaId!, name)
        yield* audit.record({
          tenantId: actor.tenantId,
          userId: actor.userId,
          action: "whatsapp.template.deleted",
          resourceType: "message_template",
          resourceId: name,
          details: { name, waba_id: connection.wabaId },
          ip: actor.ip
        })
        return yield* listOf(connection)
      })

      /**
       * A template webhook for a WABA one of our connections holds. A status the store does not know yet (a
       * template created at Meta, not synced) syncs that WABA for each such connection instead.
       */
      const applyWebhook = Effect.fn("Templates.applyWebhook")(function* (change: TemplateChange) {
        if (change.wabaId === null) return 0
        const changed =
          change._tag === "TemplateReviewed"
            ? yield* store.setStatus(
                change.wabaId,
                change.name,
                change.language,
                {
                  status: change.status,
                  rejectedReason: change.status === "REJECTED" ? (change.reason ?? "UNKNOWN") : null,
                  category: change.category,
                  at: change.occurredAt
                },
                announceStatus
              )
            : yield* store.setDetails(change.wabaId, change.name, change.language, {
                ...(change._tag === "TemplateQualityChanged"
                  ? { quality: change.quality }
                  : { category: change.category }),
                at: change.occurredAt
              })
        if (changed > 0 || change._tag !== "TemplateReviewed") return changed
        const holders = (yield* connections.findByWabaId(change.wabaId as WabaId)).filter(holdsTemplates)
        for (const connection of holders)
          yield* syncConnection(connection).pipe(
            Effect.catchCause((cause) => Effect.logWarning(`Template sync after a webhook failed`, cause))
          )
        // The sync read Meta's current state, this status included.
        return holders.length
      })

      const due = connections.listHoldingTokens().pipe(Effect.map((all) => all.filter(holdsTemplates)))

      return Templates.of({ list, sync, syncConnection, create, remove, applyWebhook, due })
    })
  )

  /** The connect use case's `TemplateSync`: a new connection's WABA is synced at once (needs `Templates`). */
  static readonly syncs = Layer.effect(
    TemplateSync,
    Effect.map(Templates, (templates) => TemplateSync.of({ syncConnection: templates.syncConnection }))
  )

  /** The processor's `TemplateWebhooks`: template webhooks go to `applyWebhook` (needs `Templates`). */
  static readonly webhooks = Layer.effect(
    TemplateWebhooks,
    Effect.map(Templates, (templates) => TemplateWebhooks.of({ applyWebhook: templates.applyWebhook }))
  )

  /**
   * The template job: every `interval`, each connection's WABA once, spread over the interval and under its
   * `JobLeases` lease (`template_sync`), so two instances never sync one connection at once.
   */
  static readonly worker = (interval: Duration.Input) =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const templates = yield* Templates
        yield* spreadOver("template_sync", interval, templates.due, (connection) =>
          templates
            .syncConnection(connection)
            .pipe(Effect.catchCause((cause) => Effect.logWarning(`Template sync of ${connection.id} failed`, cause)))
        )
      })
    )
}
