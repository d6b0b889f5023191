import type { ChannelConnection, ConnectionStatus } from "./ChannelConnection.ts"
import { type HealthCheck, type HealthStatus, overallHealth } from "./ConnectionHealth.ts"
import type { Conversation } from "./Conversation.ts"
import { windowClosesAt } from "./CustomerServiceWindow.ts"
import type { Provider, TenantId } from "./Ids.ts"
import type { Message } from "./Message.ts"
import type { MessageTemplate, TemplateStatus } from "./MessageTemplate.ts"

/**
 * The events a tenant's webhook endpoints can subscribe to (issue 19). Adding one is one entry here (GraphQL,
 * validation and fan-out read this list) plus the write that announces it.
 */
export const OUTBOUND_EVENT_TYPES = [
  "message.received",
  "message.status",
  "message.failed",
  "conversation.window_closing",
  "connection.connected",
  "connection.disconnected",
  "connection.error",
  "connection.health_changed",
  "template.status",
  "ads.connection.connected",
  "ads.connection.disconnected",
  "ads.connection.error",
  "webhook.test"
] as const
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number]

/** What an endpoint may list in `events`: a type, or a family such as `ads.connection.*` (or `*`: everything). */
export const isEventPattern = (pattern: string): boolean =>
  pattern === "*" ||
  (OUTBOUND_EVENT_TYPES as ReadonlyArray<string>).includes(pattern) ||
  (pattern.endsWith(".*") && OUTBOUND_EVENT_TYPES.some((type) => type.startsWith(pattern.slice(0, -1))))

/** Whether an endpoint subscribed to `patterns` receives an event of `type` (the SQL fan-out mirrors this). */
export const matchesPatterns = (patterns: ReadonlyArray<string>, type: string): boolean =>
  patterns.some((p) => p === type || p === "*" || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))))

/** The version of every payload's shape; a breaking change gets a new one. */
export const PAYLOAD_VERSION = 1

/** An event to announce: written to the outbox in the transaction of the change it announces. */
export interface NewOutboundEvent {
  readonly tenantId: TenantId
  readonly type: OutboundEventType
  readonly data: Record<string, unknown>
  /** Events with the same key reach one endpoint in the order they were written (a message's statuses). */
  readonly orderingKey: string | null
}

/** The JSON body a receiver gets: `{type, version, id, timestamp, data}`. Never a token. */
export const outboundBody = (event: {
  readonly id: string
  readonly type: string
  readonly occurredAt: Date
  readonly data: unknown
}): string =>
  JSON.stringify({
    type: event.type,
    version: PAYLOAD_VERSION,
    id: event.id,
    timestamp: event.occurredAt.toISOString(),
    data: event.data
  })

/** `message.received`: an inbound message stored for the first time. */
export const messageReceived = (message: Message, connection: ChannelConnection): NewOutboundEvent => ({
  tenantId: message.tenantId,
  type: "message.received",
  orderingKey: null,
  data: {
    messageId: message.id,
    conversationId: message.conversationId,
    connectionId: connection.id,
    providerMessageId: message.providerMessageId,
    phoneNumberId: connection.phoneNumberId,
    type: message.type,
    body: message.body,
    sentAt: message.sentAt.toISOString()
  }
})

/**
 * `conversation.window_closing`: the contact's 24-hour customer service window closes soon (free text and media
 * are refused after `closesAt`; templates still go). Once per window: a newer inbound message opens a new one.
 */
export const windowClosing = (conversation: Conversation): NewOutboundEvent => ({
  tenantId: conversation.tenantId,
  type: "conversation.window_closing",
  orderingKey: null,
  data: {
    conversationId: conversation.id,
    connectionId: conversation.connectionId,
    phoneNumberId: conversation.phoneNumberId,
    waId: conversation.waId,
    contactName: conversation.contactName,
    lastInboundAt: conversation.lastInboundAt?.toISOString() ?? null,
    closesAt: windowClosesAt(conversation.lastInboundAt)?.toISOString() ?? null
  }
})

/** `message.status` (every status Meta reports, once), and `message.failed` besides for a failure. */
export const messageStatusEvents = (status: {
  readonly tenantId: TenantId
  readonly connectionId: string
  readonly providerMessageId: string
  readonly status: string
  readonly occurredAt: Date
  readonly error: unknown
}): ReadonlyArray<NewOutboundEvent> => {
  const data = {
    connectionId: status.connectionId,
    providerMessageId: status.providerMessageId,
    status: status.status,
    occurredAt: status.occurredAt.toISOString(),
    ...(status.status === "failed" ? { error: status.error ?? null } : {})
  }
  const orderingKey = `message:${status.providerMessageId}`
  return [
    { tenantId: status.tenantId, type: "message.status", orderingKey, data },
    ...(status.status === "failed"
      ? [{ tenantId: status.tenantId, type: "message.failed" as const, orderingKey, data }]
      : [])
  ]
}

/**
 * `template.status`: Meta's review moved one of the tenant's templates (a `message_template_status_update`
 * webhook): approved, rejected with its reason, paused, disabled… (announced only when the status or reason moved).
 */
export const templateStatusEvent = (
  tenantId: TenantId,
  template: MessageTemplate,
  previousStatus: TemplateStatus | null
): NewOutboundEvent => ({
  tenantId,
  type: "template.status",
  orderingKey: `template:${template.wabaId}:${template.name}:${template.language}`,
  data: {
    wabaId: template.wabaId,
    templateId: template.templateId,
    name: template.name,
    language: template.language,
    category: template.category,
    status: template.status,
    previousStatus,
    rejectedReason: template.rejectedReason,
    occurredAt: template.updatedAt.toISOString()
  }
})

const connectionTypes: Record<Provider, Partial<Record<ConnectionStatus, OutboundEventType>>> = {
  meta_whatsapp: {
    active: "connection.connected",
    revoked: "connection.disconnected",
    error: "connection.error"
  },
  meta_ads: {
    active: "ads.connection.connected",
    revoked: "ads.connection.disconnected",
    error: "ads.connection.error"
  }
}

/**
 * The event a connection's write announces: a move into `active`, `revoked` or `error` (from another status, or a
 * new row). Writing the same status again (a token renewal, a metadata change) announces nothing.
 */
export const connectionTransitionEvent = (
  before: ConnectionStatus | null,
  after: ChannelConnection
): NewOutboundEvent | null => {
  if (before === after.status) return null
  const type = connectionTypes[after.provider][after.status]
  if (type === undefined) return null
  const error = after.metadata["error"]
  return {
    tenantId: after.tenantId,
    type,
    orderingKey: `connection:${after.id}`,
    data: {
      connectionId: after.id,
      provider: after.provider,
      status: after.status,
      previousStatus: before,
      wabaId: after.wabaId,
      phoneNumberId: after.phoneNumberId,
      phoneNumberE164: after.phoneNumberE164,
      ...(after.status === "error" && error !== undefined && error !== null ? { error } : {})
    }
  }
}

/**
 * `connection.health_changed`: a save of health checks that moves the connection's overall health (the worst of its
 * checks; `unknown` before the first). Null when the overall stays: a re-check with the same outcome says nothing.
 */
export const healthChangedEvent = (
  tenantId: TenantId,
  connectionId: string,
  before: ReadonlyArray<HealthCheck>,
  after: ReadonlyArray<HealthCheck>
): NewOutboundEvent | null => {
  const [previous, overall]: [HealthStatus, HealthStatus] = [overallHealth(before), overallHealth(after)]
  if (previous === overall) return null
  return {
    tenantId,
    type: "connection.health_changed",
    orderingKey: `connection:${connectionId}`,
    data: {
      connectionId,
      overall,
      previousOverall: previous,
      checks: after.map((check) => ({
        name: check.name,
        status: check.status,
        message: check.message,
        checkedAt: check.checkedAt.toISOString()
      }))
    }
  }
}

/** Attempts of one delivery, the first included (about 3 days with {@link retryDelayMillis}'s default base). */
export const MAX_DELIVERY_ATTEMPTS = 12

/**
 * The wait before attempt `attempts + 1` after `attempts` failed: `base`·3^(n-1), at most a day, with ±20 % jitter.
 * With the default 10 s base: 10 s, 30 s, 90 s, 4.5 min, 13.5 min, 40 min, 2 h, 6 h, 18 h, 24 h, 24 h (≈ 3.1 days).
 */
export const retryDelayMillis = (attempts: number, baseMillis = 10_000, random: number = Math.random()): number => {
  const raw = Math.min(baseMillis * 3 ** Math.max(0, attempts - 1), 86_400_000)
  return Math.round(raw * (0.8 + 0.4 * random))
}

/** Consecutive failed attempts after which an endpoint is disabled (its admins see why and enable it again). */
export const DEFAULT_DISABLE_AFTER_FAILURES = 50

/** A delivery's state when written, and again after "Retry now". */
export const DELIVERY_PENDING = "pending" as const

/** A delivery's state after an attempt's outcome. */
export const DELIVERY_STATE_AFTER = { Delivered: "delivered", Failed: "failed", Retry: "pending" } as const
