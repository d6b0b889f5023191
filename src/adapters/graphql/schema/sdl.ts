// The CommonJS entry, which @pothos/core and graphql-yoga load too: under vitest a bare "graphql" resolves to
// `index.mjs`, a second copy whose `instanceof` checks reject the schema (Node itself resolves both to index.js).
import { lexicographicSortSchema, printSchema } from "graphql/index.js"
import { schema } from "./index.ts"

/** The schema as SDL, sorted so that the committed `schema.graphql` diffs cleanly (the web client's codegen reads it). */
export const schemaSdl = printSchema(lexicographicSortSchema(schema))
