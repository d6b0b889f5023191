import { Layer } from "effect"
import { AuditLogMemory } from "./AuditLogMemory.ts"
import { AuditLogPg } from "./AuditLogPg.ts"
import { ConnectionHealthRepositoryMemory } from "./ConnectionHealthRepositoryMemory.ts"
import { ConnectionHealthRepositoryPg } from "./ConnectionHealthRepositoryPg.ts"
import { ConnectionRepositoryMemory } from "./ConnectionRepositoryMemory.ts"
import { ConnectionRepositoryPg } from "./ConnectionRepositoryPg.ts"
import { ConversationRepositoryMemory } from "./ConversationRepositoryMemory.ts"
import { ConversationRepositoryPg } from "./ConversationRepositoryPg.ts"
import { InboundBatchStoreMemory } from "./InboundBatchStoreMemory.ts"
import { InboundBatchStorePg } from "./InboundBatchStorePg.ts"
import { JobLeasesMemory } from "./JobLeasesMemory.ts"
import { JobLeasesPg } from "./JobLeasesPg.ts"
import { MediaRepositoryMemory } from "./MediaRepositoryMemory.ts"
import { MediaRepositoryPg } from "./MediaRepositoryPg.ts"
import { MessageRepositoryMemory } from "./MessageRepositoryMemory.ts"
import { MessageRepositoryPg } from "./MessageRepositoryPg.ts"
import { MessageTemplatesMemory } from "./MessageTemplatesMemory.ts"
import { MessageTemplatesPg } from "./MessageTemplatesPg.ts"
import { OAuthStateRepositoryMemory } from "./OAuthStateRepositoryMemory.ts"
import { OAuthStateRepositoryPg } from "./OAuthStateRepositoryPg.ts"
import { OutboxMemory } from "./OutboxMemory.ts"
import { WebhookEndpointStoreMemory } from "./WebhookEndpointStoreMemory.ts"
import { WebhookEndpointStorePg } from "./WebhookEndpointStorePg.ts"
import { WebhookInboxMemory } from "./WebhookInboxMemory.ts"
import { WebhookInboxPg } from "./WebhookInboxPg.ts"

/** Every repository port over SQL (needs a migrated `SqlClient`). */
export const PersistencePg = Layer.mergeAll(
  InboundBatchStorePg,
  ConnectionRepositoryPg,
  ConnectionHealthRepositoryPg,
  OAuthStateRepositoryPg,
  ConversationRepositoryPg,
  MessageRepositoryPg,
  MediaRepositoryPg,
  MessageTemplatesPg,
  WebhookInboxPg,
  WebhookEndpointStorePg,
  AuditLogPg,
  JobLeasesPg
)

/**
 * Every repository port in memory: for use-case tests and quick experiments. They share one {@link OutboxMemory}
 * (in the output too): what the repositories announce reaches the in-memory endpoint store's deliveries.
 */
export const PersistenceMemory = InboundBatchStoreMemory.pipe(
  // The batch store writes through these same repositories.
  Layer.provideMerge(
    Layer.mergeAll(
      ConnectionRepositoryMemory,
      ConnectionHealthRepositoryMemory,
      OAuthStateRepositoryMemory,
      ConversationRepositoryMemory.pipe(
        Layer.provideMerge(MessageRepositoryMemory),
        Layer.provide(ConnectionRepositoryMemory)
      ),
      MediaRepositoryMemory,
      MessageTemplatesMemory,
      WebhookInboxMemory,
      WebhookEndpointStoreMemory,
      AuditLogMemory,
      JobLeasesMemory
    )
  ),
  Layer.provideMerge(OutboxMemory.layer)
)
