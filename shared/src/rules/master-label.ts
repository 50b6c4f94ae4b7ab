/**
 * Masters get a generated label people can read aloud and type in a delete confirmation:
 * the creation date and the last six characters of the id, e.g. "M-20261126-7F3A9Q".
 */
export function masterLabel(id: string, createdAt: string): string {
  const day = createdAt.slice(0, 10).replace(/-/g, '');
  return `M-${day}-${id.slice(-6)}`;
}
