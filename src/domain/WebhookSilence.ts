import type { ChannelConnection } from "./ChannelConnection.ts"

/**
 * How often at most the time of a connection's last webhook (`connection_health.last_webhook_at`, its one home) is
 * written: a busy number does not rewrite its row on every event. The silence gauge and the `webhooks` health
 * check read it, so it may lag by this much.
 */
export const LAST_WEBHOOK_MARK_SECONDS = 60

/**
 * Hours an active WhatsApp connection has gone without a webhook: since the last one (`lastWebhookAt`), or since it connected when
 * none came yet (a connection that never heard from Meta is the "Connected, and nothing arrives" case). `null` for
 * a connection that is not an active WhatsApp one, or has neither time.
 */
export const webhookSilenceHours = (
  connection: ChannelConnection,
  lastWebhookAt: Date | undefined,
  nowMs: number
): number | null => {
  if (connection.provider !== "meta_whatsapp" || connection.status !== "active") return null
  const sinceMs = lastWebhookAt?.getTime() ?? connection.connectedAt?.getTime() ?? Number.NaN
  return Number.isFinite(sinceMs) ? Math.max(0, (nowMs - sinceMs) / 3_600_000) : null
}

/** The silence thresholds the `whatsapp_connections_webhook_silent{over}` gauge counts (a fixed label set). */
export const WEBHOOK_SILENCE_THRESHOLDS = [
  { label: "1h", hours: 1 },
  { label: "6h", hours: 6 },
  { label: "24h", hours: 24 }
] as const
