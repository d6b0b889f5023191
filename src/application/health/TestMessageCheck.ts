import type { HealthCheck } from "../../domain/ConnectionHealth.ts"

/**
 * What the status webhook needs of the test message ("Send a test message", `TestMessages`), apart from the use
 * case that sends it: the processor matches a failed status to it and turns the `send` check failing.
 */

/** The connection's metadata key holding the last test message's provider id (its status webhook is matched to it). */
export const TEST_MESSAGE_KEY = "test_message_provider_id"

/** The `send` check a failed status of the test message sets (from the status webhook). */
export const testMessageFailed = (reason: string | null, checkedAt: Date): HealthCheck => ({
  name: "send",
  status: "failing",
  message: `Meta accepted the test message, then reported it failed${reason === null ? "" : `: ${reason}`}. WhatsApp delivers a free-form text only within 24 hours of that phone's last message to the number: send any WhatsApp message to the number from that phone, then try again; otherwise check the number you typed.`,
  checkedAt
})
