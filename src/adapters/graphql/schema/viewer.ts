import { type Actor, canOperate } from "../../../application/Actor.ts"
import { builder } from "../builder.ts"

export const Role = builder.enumType("Role", {
  values: {
    ADMIN: { value: "admin" },
    MARKETING: { value: "marketing" },
    MEMBER: { value: "member" }
  } as const
})

/** The signed-in user, as the token says. */
export const Viewer = builder.objectRef<Actor>("Viewer").implement({
  fields: (t) => ({
    userId: t.exposeID("userId"),
    tenantId: t.exposeID("tenantId"),
    role: t.expose("role", { type: Role }),
    canOperate: t.boolean({
      description: "May use operator tools (manual connect, token debug).",
      resolve: (actor) => canOperate(actor)
    })
  })
})

builder.queryField("viewer", (t) => t.field({ type: Viewer, resolve: (_root, _args, ctx) => ctx.actor }))
