/**
 * WhatsApp's customer service window: a business may send free-form messages (text, media, interactive) to a
 * contact only within 24 hours of that contact's last message; each new inbound message resets the timer. Outside
 * it only an approved template goes through (Meta accepts a free-form send and then fails it in a
 * status webhook). Source: Meta, "Service messages" (developers.facebook.com/documentation/business-messaging/
 * whatsapp/messages/send-messages): "When a WhatsApp user messages you or calls you, a 24-hour timer called a
 * customer service window starts. If the user messages or calls you again before the timer expires, the timer
 * resets to 24 hours."
 */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000

/** When the window closes (or closed): 24 h after the last inbound message; null when the contact never wrote. */
export const windowClosesAt = (lastInboundAt: Date | null): Date | null =>
  lastInboundAt === null ? null : new Date(lastInboundAt.getTime() + CUSTOMER_SERVICE_WINDOW_MS)

export type CustomerServiceWindow =
  | { readonly _tag: "Open"; readonly closesAt: Date }
  | { readonly _tag: "Closed"; readonly closedAt: Date | null }

/** The window at `now`: open strictly before `closesAt`, closed from then on (or never opened). */
export const customerServiceWindow = (lastInboundAt: Date | null, now: Date): CustomerServiceWindow => {
  const closesAt = windowClosesAt(lastInboundAt)
  return closesAt !== null && now.getTime() < closesAt.getTime()
    ? { _tag: "Open", closesAt }
    : { _tag: "Closed", closedAt: closesAt }
}
