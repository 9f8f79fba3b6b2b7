/** The CLI's exit codes. */
export const ExitCode = {
  /** Everything asked for worked and every check passed. */
  Ok: 0,
  /** A check failed (a test, a conformance file, a hazard, a fault in a program run). */
  CheckFailed: 1,
  /** Bad usage or bad input (unknown option, unreadable file, syntax error). */
  Usage: 2,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
