/** Assertions on the failures services report as ServiceError. */
import { expect } from "bun:test";
import { ServiceError, type ServiceErrorKind } from "../../src/services/errors.ts";

/** Awaits `promise`, expects it to reject with a ServiceError of `kind`, and returns that error. */
export async function expectServiceError(promise: Promise<unknown>, kind: ServiceErrorKind): Promise<ServiceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).kind).toBe(kind);
  return error as ServiceError;
}
