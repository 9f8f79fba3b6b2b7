/**
 * Stable error codes, named after the errno values the kernel returns for
 * the same conditions.
 */
export type ErrorCode =
  | 'EINVAL'
  | 'ENOMEM'
  | 'ERANGE'
  | 'EFAULT'
  | 'EPERM'
  | 'EEXIST'
  | 'ENOENT'
  | 'ENOEXEC'
  | 'EBUSY'
  | 'ENOSYS'
  | 'E2BIG';

/**
 * The one error type every execmem package throws for bad input or a
 * failed operation. `code` is stable and meant for programs; `message`
 * names the offending value and is meant for people.
 */
export class ExecmemError extends Error {
  /** The stable code (`EINVAL`, `ENOMEM`, …). */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'ExecmemError';
    this.code = code;
  }
}

/** Throws an {@link ExecmemError} with `code` and `message`. */
export function fail(code: ErrorCode, message: string): never {
  throw new ExecmemError(code, message);
}

/** True when `e` is an {@link ExecmemError}, optionally with the given code. */
export function isExecmemError(e: unknown, code?: ErrorCode): e is ExecmemError {
  return e instanceof ExecmemError && (code === undefined || e.code === code);
}
