import type { ChannelConnection } from "./ChannelConnection.ts"

/** `metadata` key: when the connection last received a webhook event (ISO time), written by the processor. */
export const LAST_WEBHOOK_AT = "last_webhook_at"

/**
 * Hours an active WhatsApp connection has gone without a webhook: since the last one, or since it connected when
 * none came yet (a connection that never heard from Meta is the "Connected, and nothing arrives" case). `null` for
 * a connection that is not an active WhatsApp one, or has neither time.
 */
export const webhookSilenceHours = (connection: ChannelConnection, nowMs: number): number | null => {
  if (connection.provider !== "meta_whatsapp" || connection.status !== "active") return null
  const last = connection.metadata[LAST_WEBHOOK_AT]
  const lastMs = typeof last === "string" ? Date.parse(last) : Number.NaN
  const sinceMs = Number.isFinite(lastMs) ? lastMs : (connection.connectedAt?.getTime() ?? Number.NaN)
  return Number.isFinite(sinceMs) ? Math.max(0, (nowMs - sinceMs) / 3_600_000) : null
}

/** The silence thresholds the `whatsapp_connections_webhook_silent{over}` gauge counts (a fixed label set). */
export const WEBHOOK_SILENCE_THRESHOLDS = [
  { label: "1h", hours: 1 },
  { label: "6h", hours: 6 },
  { label: "24h", hours: 24 }
] as const
