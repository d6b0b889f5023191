import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule
} from "graphql"
import { createGraphQLError } from "graphql-yoga"
import { MAX_PAGE_SIZE } from "../../application/ports/Page.ts"

/**
 * The page size assumed for `first`/`last` whose value is unknown (a variable left null or without a value or
 * default), and the most any page counts: the connections' cap, which the use cases clamp to.
 */
export const ASSUMED_PAGE_SIZE = MAX_PAGE_SIZE

type Measure = (selectionSet: SelectionSetNode) => number

/**
 * Folds an operation's selections, expanding fragments once each (memoised, so a "fragment bomb" costs linear
 * time) and treating a fragment cycle (rejected by `NoFragmentCyclesRule`) or an unknown fragment as empty.
 * Every selection counts, so aliases of one field each count as the field.
 */
const measurer = (
  fragmentNamed: (name: string) => FragmentDefinitionNode | null | undefined,
  combine: (values: ReadonlyArray<number>) => number,
  field: (node: FieldNode, measure: Measure) => number
): Measure => {
  const fragments = new Map<string, number>()
  const measure: Measure = (selectionSet) =>
    combine(
      selectionSet.selections.map((selection) => {
        if (selection.kind === Kind.FIELD) return field(selection, measure)
        if (selection.kind === Kind.INLINE_FRAGMENT) return measure(selection.selectionSet)
        const name = selection.name.value
        const known = fragments.get(name)
        if (known !== undefined) return known
        fragments.set(name, 0)
        const fragment = fragmentNamed(name)
        const value = fragment ? measure(fragment.selectionSet) : 0
        fragments.set(name, value)
        return value
      })
    )
  return measure
}

const onOperations = (check: (operation: OperationDefinitionNode) => void): ASTVisitor => ({
  OperationDefinition: check
})

/**
 * Rejects operations nested deeper than `maxDepth` fields (`viewer { userId }` is 2). `ofType` does not count:
 * it is a chain of type wrappers with no fan-out, which the standard introspection query nests seven deep.
 */
export const depthLimit =
  (maxDepth: number): ValidationRule =>
  (context) => {
    const measure = measurer(
      (name) => context.getFragment(name),
      (values) => Math.max(0, ...values),
      (node, inner) => (node.name.value === "ofType" ? 0 : 1) + (node.selectionSet ? inner(node.selectionSet) : 0)
    )
    return onOperations((operation) => {
      const depth = measure(operation.selectionSet)
      if (depth <= maxDepth) return
      context.reportError(
        createGraphQLError(`The query is nested ${depth} levels deep; at most ${maxDepth} are allowed.`, {
          nodes: [operation],
          extensions: { code: "QUERY_TOO_DEEP" }
        })
      )
    })
  }

/** A requested page size as the use cases read it: at least 1, at most the cap. */
const asPageSize = (value: unknown): number =>
  typeof value === "number" && Number.isFinite(value)
    ? Math.min(ASSUMED_PAGE_SIZE, Math.max(1, Math.trunc(value)))
    : ASSUMED_PAGE_SIZE

/** The value each variable has in this request: its value, else its literal default; absent when unknown. */
const variableValues = (
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined
): ReadonlyMap<string, unknown> => {
  const values = new Map<string, unknown>()
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value
    const given = variables?.[name]
    if (given !== undefined && given !== null) values.set(name, given)
    else if (given === undefined && definition.defaultValue?.kind === Kind.INT) {
      values.set(name, Number.parseInt(definition.defaultValue.value, 10))
    }
  }
  return values
}

const pageSize = (node: FieldNode, values: ReadonlyMap<string, unknown>): number => {
  const argument = node.arguments?.find((arg) => arg.name.value === "first" || arg.name.value === "last")
  if (argument === undefined) return 1
  const value = argument.value
  if (value.kind === Kind.INT) return asPageSize(Number.parseInt(value.value, 10))
  if (value.kind === Kind.VARIABLE) return asPageSize(values.get(value.name.value))
  return ASSUMED_PAGE_SIZE
}

/**
 * How many fields the operation selects, counting a paginated list's children once per requested item
 * (`first`/`last` as the request gives them: a variable counts at its value, else its literal default, else
 * {@link ASSUMED_PAGE_SIZE}; every page at most that cap) and each alias as the field it names.
 */
export const operationCost = (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined
): number => {
  const fragments = new Map<string, FragmentDefinitionNode>()
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition)
  }
  const values = variableValues(operation, variables)
  const measure = measurer(
    (name) => fragments.get(name),
    (costs) => costs.reduce((sum, cost) => sum + cost, 0),
    (node, inner) => 1 + (node.selectionSet ? pageSize(node, values) * inner(node.selectionSet) : 0)
  )
  return measure(operation.selectionSet)
}

/**
 * The error for an operation that costs more than `maxCost` (see {@link operationCost}), with this request's
 * variables; null when it is within the limit (or there is no such operation: execution reports that).
 */
export const costError = (
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  maxCost: number
): GraphQLError | null => {
  const operation = getOperationAST(document, operationName)
  if (operation === null || operation === undefined) return null
  const cost = operationCost(document, operation, variables)
  if (cost <= maxCost) return null
  return createGraphQLError(`The query costs ${cost}; at most ${maxCost} is allowed.`, {
    nodes: [operation],
    extensions: { code: "QUERY_TOO_COMPLEX" }
  })
}
