import type { Restriction } from "./ChannelConnection.ts"
import type { DeliveryStatus } from "./Message.ts"
import type { AdReferral, MessageContent } from "./MessageContent.ts"
import type { TemplateStatus } from "./MessageTemplate.ts"

/**
 * What a webhook delivery says, once the provider's wire format is read (the decoder lives with the provider's
 * adapter): one change per routing key, in the order the delivery gave them. `ProcessWebhookEvent` handles these.
 */

/** A message a contact sent to one of our numbers. */
export interface InboundMessage {
  readonly _tag: "InboundMessage"
  readonly providerMessageId: string
  /** Who sent it: the key of its conversation (`contactKey`). */
  readonly contactKey: string
  readonly contactName: string | null
  readonly type: string
  /** The message as received, whatever its type: an unknown type is stored, never dropped. */
  readonly body: unknown
  /** What the message is (its media to fetch, a location, a reaction…). */
  readonly content: MessageContent
  /**
   * The ad or post the contact came from, on the first message after a Click-to-WhatsApp tap. It opens no longer
   * window: free-form replies follow the same 24 hours (see `CustomerServiceWindow.ts`).
   */
  readonly referral?: AdReferral | null
  readonly sentAt: Date
}

/** A delivery status of a message we sent. */
export interface StatusChanged {
  readonly _tag: "StatusChanged"
  readonly providerMessageId: string
  readonly status: DeliveryStatus
  readonly occurredAt: Date
  /** The status as received, kept with the message's history. */
  readonly payload: unknown
  readonly error: unknown
  /** A failed status's reason in the provider's words (its code and title), for a person; null when none. */
  readonly errorText?: string | null
}

/** The messages and statuses one change reported for one number (routed by its phone number id). */
export interface NumberActivity {
  readonly _tag: "NumberActivity"
  readonly phoneNumberId: string
  readonly messages: ReadonlyArray<InboundMessage>
  readonly statuses: ReadonlyArray<StatusChanged>
}

/** What an account event does to the connections of its business account. */
export type AccountEffect =
  /** The business removed this app's access: the connection ends. */
  | { readonly _tag: "Revoked" }
  /** The account was disabled or deleted: the connection is in error. */
  | { readonly _tag: "Disabled" }
  /** The account was reinstated: trusted only once it is read again. */
  | { readonly _tag: "Reinstated" }
  /** Some sends are restricted (and, for a violation, which one). */
  | {
      readonly _tag: "Restricted"
      readonly restrictions: ReadonlyArray<Restriction>
      readonly violation: { readonly type: string | null } | null
    }
  /** Anything else: recorded in the audit log, nothing changes. */
  | { readonly _tag: "Informational" }

/** An event of a whole business account (WABA). */
export interface AccountUpdated {
  readonly _tag: "AccountUpdated"
  /** Null when the delivery named no account. */
  readonly wabaId: string | null
  /** The provider's name of the event, as recorded in the audit log and on the connection. */
  readonly event: string
  readonly effect: AccountEffect
  /** When the provider says it happened (a retried delivery keeps its time). */
  readonly occurredAt: Date
}

/** The outcome of a display-name review: `deferred` leaves it open, anything unknown changes nothing. */
export type DisplayNameDecision = "approved" | "rejected" | "deferred" | "unknown"

/** A number's display name was reviewed. The number is named by its digits within its business account. */
export interface DisplayNameReviewed {
  readonly _tag: "DisplayNameReviewed"
  readonly wabaId: string | null
  readonly displayPhoneNumber: string
  readonly decision: DisplayNameDecision
  /** The provider's word for the decision, kept for the record. */
  readonly decisionText: string
  readonly requestedName: string | null
  readonly rejectionReason: string | null
  readonly occurredAt: Date
}

/**
 * What Meta said of a number's quality or throughput: `flagged` (quality low: the limit may drop), `unflagged`
 * (the flag lifted), `limit_raised` / `limit_lowered` (the messaging limit or throughput changed), `other`.
 */
export type QualityEvent = "flagged" | "unflagged" | "limit_raised" | "limit_lowered" | "other"

/** A number's quality or limit changed. The number is named by its digits within its business account. */
export interface NumberQualityReported {
  readonly _tag: "NumberQualityReported"
  readonly wabaId: string | null
  readonly displayPhoneNumber: string
  readonly event: QualityEvent
  /** The provider's word for the event, kept for the record. */
  readonly eventText: string
  /** The limit now in force (the provider's tier word), null when not said. */
  readonly currentLimit: string | null
  readonly occurredAt: Date
}

export type AccountReviewDecision = "approved" | "rejected" | "pending" | "deferred" | "unknown"

/** The provider's review of a whole business account was decided (or is still open). */
export interface AccountReviewed {
  readonly _tag: "AccountReviewed"
  readonly wabaId: string | null
  readonly decision: AccountReviewDecision
  readonly decisionText: string
  readonly occurredAt: Date
}

/** The business portfolio's capabilities changed (its daily messaging limit, how many numbers it may hold). */
export interface CapabilityChanged {
  readonly _tag: "CapabilityChanged"
  readonly wabaId: string | null
  readonly maxDailyConversations: number | null
  readonly maxPhoneNumbers: number | null
  readonly occurredAt: Date
}

/** Which template a template webhook is about: one name in one language of the WABA of `wabaId`. */
export interface TemplateRef {
  readonly wabaId: string | null
  readonly templateId: string | null
  readonly name: string
  readonly language: string
  readonly occurredAt: Date
}

/** The provider's review moved a template (approved, rejected, paused, disabled…). */
export interface TemplateReviewed extends TemplateRef {
  readonly _tag: "TemplateReviewed"
  readonly status: TemplateStatus
  /** The provider's word for the status, as sent. */
  readonly statusText: string
  /** Why (a rejection's reason); null when none. */
  readonly reason: string | null
  /** The category, when the update carries it. */
  readonly category: string | null
}

/** A template's quality score changed. */
export interface TemplateQualityChanged extends TemplateRef {
  readonly _tag: "TemplateQualityChanged"
  readonly quality: string
}

/** A template's category was changed (or is about to be: `category` is then the current one). */
export interface TemplateCategoryChanged extends TemplateRef {
  readonly _tag: "TemplateCategoryChanged"
  readonly category: string
}

export type WebhookChange =
  | TemplateReviewed
  | TemplateQualityChanged
  | TemplateCategoryChanged
  | NumberActivity
  | AccountUpdated
  | DisplayNameReviewed
  | NumberQualityReported
  | AccountReviewed
  | CapabilityChanged
