import { ulid } from 'ulid';
import { idPrefixes, type IdKind } from '@marrow/shared';

/** A new id for a record of that kind: its prefix and a ULID (time-ordered, 80 random bits). */
export function newId(kind: IdKind): string {
  return `${idPrefixes[kind]}_${ulid()}`;
}
