import { Effect } from "effect"
import { Messaging } from "../../../application/messaging/Messaging.ts"
import { type TemplateList, Templates } from "../../../application/messaging/Templates.ts"
import { limited } from "../../../application/OperationLimits.ts"
import {
  Forbidden,
  InvalidMessage,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaTokenInvalid,
  MetaUnavailable,
  NotConnected,
  RateLimited,
  TemplateNotApproved,
  TemplateParametersInvalid,
  TokenUnreadable
} from "../../../domain/Errors.ts"
import { type MessageTemplate, templateParameters } from "../../../domain/MessageTemplate.ts"
import { builder } from "../builder.ts"
import { MessageRef } from "./conversations.ts"
import { SEND_ERRORS } from "./errors.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly templates: Templates
  }
}

/** WhatsApp message templates (issue 17.2): the synced list, sending one, and creating, deleting and syncing them. */

const TemplateStatus = builder.enumType("WhatsAppTemplateStatus", {
  values: {
    APPROVED: { value: "APPROVED", description: "Approved by Meta: it can be sent." },
    PENDING: { value: "PENDING", description: "In Meta's review." },
    REJECTED: { value: "REJECTED", description: "Rejected by Meta (see `rejectedReason`)." },
    PAUSED: { value: "PAUSED", description: "Paused by Meta for its quality." },
    DISABLED: { value: "DISABLED", description: "Disabled by Meta." },
    OTHER: { value: "OTHER", description: "Another status of Meta's (e.g. in appeal, pending deletion)." }
  } as const
})

export const TemplateRef = builder.objectRef<MessageTemplate>("WhatsAppTemplate").implement({
  description: "One template name in one language of the connected WhatsApp Business Account, as last synced.",
  fields: (t) => ({
    id: t.exposeString("templateId", { description: "Meta's template id." }),
    name: t.exposeString("name"),
    language: t.exposeString("language"),
    category: t.exposeString("category", { description: "MARKETING, UTILITY or AUTHENTICATION." }),
    status: t.field({ type: TemplateStatus, resolve: (template) => template.status }),
    rejectedReason: t.exposeString("rejectedReason", { nullable: true, description: "Meta's reason, when rejected." }),
    quality: t.exposeString("quality", {
      nullable: true,
      description: "Meta's quality score (GREEN, YELLOW, RED, UNKNOWN); null until rated."
    }),
    parameterFormat: t.exposeString("parameterFormat", {
      description: "POSITIONAL ({{1}}, {{2}}: give values in order) or NAMED ({{name}}: give each its name)."
    }),
    headerKind: t.exposeString("headerKind", {
      description: "none, text, image, video, document or location: an image, video or document header needs media."
    }),
    headerText: t.exposeString("headerText", { nullable: true }),
    bodyText: t.exposeString("bodyText"),
    footerText: t.exposeString("footerText", { nullable: true }),
    headerPlaceholders: t.exposeStringList("headerPlaceholders", {
      description: "The header's placeholders a send fills, in order."
    }),
    bodyPlaceholders: t.exposeStringList("bodyPlaceholders", {
      description: "The body's placeholders a send fills, in order (`1`, `2`… or names)."
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" })
  })
})

const TemplateListRef = builder.objectRef<TemplateList>("WhatsAppTemplateList").implement({
  fields: (t) => ({
    wabaId: t.exposeString("wabaId", { nullable: true, description: "The WhatsApp Business Account; null when none." }),
    templates: t.field({ type: [TemplateRef], resolve: (list) => [...list.templates] })
  })
})

builder.queryField("whatsappTemplates", (t) =>
  t.field({
    type: [TemplateRef],
    description:
      "The connected WhatsApp Business Account's templates as last synced (on connect, hourly, on Meta's webhooks, or `syncWhatsAppTemplates`), by name then language; empty when not connected.",
    resolve: (_root, _args, ctx) =>
      ctx.run(Effect.flatMap(Templates, (templates) => templates.list(ctx.actor))).then((list) => [...list.templates])
  })
)

const TemplateValueInput = builder.inputType("TemplateValueInput", {
  fields: (t) => ({
    name: t.string({ description: "The placeholder's name, for a NAMED template; omit for a POSITIONAL one." }),
    text: t.string({ required: true })
  })
})

const TemplateParametersInput = builder.inputType("TemplateParametersInput", {
  fields: (t) => ({
    body: t.field({ type: [TemplateValueInput], required: true, description: "One value per body placeholder." }),
    header: t.field({ type: [TemplateValueInput], description: "One value per header text placeholder." }),
    headerMediaLink: t.string({ description: "An image, video or document header: its https link." }),
    headerMediaId: t.string({ description: "An image, video or document header: an uploaded media id." })
  })
})

const SendTemplateInput = builder.inputType("SendTemplateInput", {
  fields: (t) => ({
    to: t.string({ required: true, description: "The recipient's phone number with country code." }),
    name: t.string({ required: true }),
    language: t.string({ required: true, description: "The template's language code, e.g. en_US." }),
    parameters: t.field({ type: TemplateParametersInput }),
    idempotencyKey: t.string({ description: "A retried request with the same key never sends twice." })
  })
})

builder.mutationField("sendWhatsAppTemplate", (t) =>
  t.field({
    type: MessageRef,
    description:
      "Sends an approved template (in that language) with its placeholders filled: checked here first (approved, values per placeholder), so it can open a conversation outside the 24-hour window.",
    args: { input: t.arg({ type: SendTemplateInput, required: true }) },
    errors: {
      types: [...SEND_ERRORS, TemplateNotApproved, TemplateParametersInvalid],
      dataField: { name: "message" }
    },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        Effect.flatMap(Messaging, (messaging) =>
          messaging.sendTemplate(ctx.actor, {
            to: input.to,
            name: input.name,
            language: input.language,
            parameters: templateParameters(input.parameters ?? {}),
            idempotencyKey: input.idempotencyKey ?? null
          })
        )
      )
  })
)

/** What syncing, creating and deleting can fail with. */
const TEMPLATE_ERRORS = [
  NotConnected,
  MetaTokenInvalid,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  TokenUnreadable
]
const TEMPLATE_ADMIN_ERRORS = [...TEMPLATE_ERRORS, Forbidden, InvalidMessage]

const TemplateParameterFormat = builder.enumType("TemplateParameterFormat", {
  values: { POSITIONAL: { value: "POSITIONAL" }, NAMED: { value: "NAMED" } } as const
})

const CreateTemplateInput = builder.inputType("CreateWhatsAppTemplateInput", {
  fields: (t) => ({
    parameterFormat: t.field({
      type: TemplateParameterFormat,
      description: "POSITIONAL ({{1}}, {{2}}…, the default) or NAMED ({{first_name}}…)."
    }),
    name: t.string({ required: true, description: "Lowercase letters, digits and underscores, e.g. order_ready." }),
    language: t.string({ required: true, description: "e.g. en_US." }),
    category: t.string({ required: true, description: "MARKETING, UTILITY or AUTHENTICATION." }),
    bodyText: t.string({
      required: true,
      description: "The text, with {{1}}, {{2}}… placeholders in order, or named ones ({{first_name}})."
    }),
    bodyExamples: t.stringList({
      description: "An example value per placeholder, in order of first appearance, for Meta's review."
    }),
    headerText: t.string({ description: "A text header (no placeholders)." }),
    footerText: t.string()
  })
})

builder.mutationField("createWhatsAppTemplate", (t) =>
  t.field({
    type: TemplateRef,
    description: "Submits a template for Meta's review (admins): it is PENDING until Meta approves or rejects it.",
    args: { input: t.arg({ type: CreateTemplateInput, required: true }) },
    errors: { types: TEMPLATE_ADMIN_ERRORS, dataField: { name: "template" } },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        Effect.flatMap(Templates, (templates) =>
          templates.create(ctx.actor, {
            ...input,
            parameterFormat: input.parameterFormat ?? "POSITIONAL",
            bodyExamples: input.bodyExamples ?? []
          })
        )
      )
  })
)

builder.mutationField("deleteWhatsAppTemplate", (t) =>
  t.field({
    type: TemplateListRef,
    description: "Deletes a template name at Meta, every language (admins); answers the templates left.",
    args: { name: t.arg.string({ required: true }) },
    errors: { types: TEMPLATE_ADMIN_ERRORS, dataField: { name: "list" } },
    resolve: (_root, args, ctx) =>
      ctx.run(Effect.flatMap(Templates, (templates) => templates.remove(ctx.actor, args.name)))
  })
)

builder.mutationField("syncWhatsAppTemplates", (t) =>
  t.field({
    type: TemplateListRef,
    description: "Reads the WhatsApp Business Account's templates from Meta now (every page).",
    errors: { types: [...TEMPLATE_ERRORS, RateLimited], dataField: { name: "list" } },
    resolve: (_root, _args, ctx) =>
      ctx.run(
        Effect.flatMap(Templates, (templates) => templates.sync(ctx.actor)).pipe(
          limited("whatsapp.templates_sync", ctx.actor)
        )
      )
  })
)
