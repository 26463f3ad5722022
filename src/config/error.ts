/**
 * The error type of everything the user configures and can fix: the config file, the
 * environment (SMTP_URL, DKIM_PRIVATE_KEY) and the templates. The CLI prints its message, which
 * names the key, variable or file (and line) and the fix, without a stack trace, and exits 2.
 * A module of its own, with no imports, so that the mail and send threads can throw it without
 * loading the config parser.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface LiquidErrorLike {
  message?: string;
  token?: { file?: string; getPosition?: () => [number, number] };
}

/**
 * A template that LiquidJS cannot parse, as a ConfigError: `FILE:LINE:COL: what is wrong; fix
 * the Liquid syntax`. `where` is the file, or a config key for a template held in the config
 * (digest.subject), which gets `(line L, column C)` instead. LiquidJS's own message repeats the
 * position after a comma; that part goes.
 */
export function templateSyntaxError(error: unknown, where: string, options: { key?: boolean } = {}): ConfigError {
  const e = (error ?? {}) as LiquidErrorLike;
  const reason = String(e.message ?? error).replace(/,(?: file:.*?,)? line:\d+, col:\d+$/, '');
  const [line, col] = e.token?.getPosition?.() ?? [];
  const position = line === undefined ? '' : options.key ? ` (line ${line}, column ${col})` : `:${line}:${col}`;
  return new ConfigError(`${where}${position}: ${reason}; fix the Liquid syntax`, { cause: error });
}
