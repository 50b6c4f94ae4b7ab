/**
 * A problem with what was asked to import (a missing file, no partition table, a partition
 * that does not fit…), said in one line: the command prints the message, never a stack.
 */
export class ImportError extends Error {}

/** The import was interrupted before anything was registered. */
export class ImportAbortedError extends ImportError {
  constructor() {
    super('interrupted: nothing was registered');
  }
}
