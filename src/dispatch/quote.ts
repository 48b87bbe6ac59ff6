/** Longest method name quoted back in an error's `data` or message, so a huge name is not echoed in full. */
const MAX_QUOTED_NAME = 100;

/** `name` in single quotes, cut at `MAX_QUOTED_NAME` characters. */
export function quote(name: string): string {
  const shown = name.length > MAX_QUOTED_NAME ? `${name.slice(0, MAX_QUOTED_NAME)}…` : name;
  return `'${shown}'`;
}
