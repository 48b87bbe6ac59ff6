/**
 * The Standard Schema v1 interface (https://standardschema.dev), which Zod 4, Valibot, ArkType and
 * others implement: `schema['~standard'].validate(value)`. The specification asks libraries that
 * accept schemas to copy these definitions rather than depend on a package, so the library has no
 * dependency, not even for types; test/dispatch/standard-schema.test.ts checks they still match
 * `@standard-schema/spec`. Only what the dispatcher reads is copied (no `StandardTypedV1`).
 */

/** A schema: anything with a `~standard` member holding `validate`. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown, options?: Options | undefined) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  type Result<Output> = SuccessResult<Output> | FailureResult;
  interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }
  interface Options {
    readonly libraryOptions?: Record<string, unknown> | undefined;
  }
  interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  interface PathSegment {
    readonly key: PropertyKey;
  }
  interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }
  /** What the schema accepts. */
  type InferInput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['input'];
  /** What a successful validation gives (after the library's transforms). */
  type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}

/**
 * Standard JSON Schema v1 (the same specification family): a schema that can describe itself as
 * JSON Schema. Zod 4 and ArkType schemas implement it; Valibot's through `toStandardJsonSchema()`
 * from `@valibot/to-json-schema`. Discovery (`rpc.discover`) reads it when present.
 */
export interface StandardJsonSchemaConverter {
  readonly input: (options: { readonly target: string }) => Record<string, unknown>;
  readonly output: (options: { readonly target: string }) => Record<string, unknown>;
}
