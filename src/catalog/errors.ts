/** A catalog that cannot be used: the message names the file, the entry and the problem. */
export class CatalogError extends Error {
  override name = 'CatalogError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`catalog ${file}: ${problems.join('; ')}`);
  }
}
