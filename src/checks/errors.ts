// The one error the checks module throws on purpose: a bad checks config. It stops the service at
// start (or refuses a hot reload), naming the dotted path of the bad key.

export class ConfigError extends Error {
  readonly code = "config.invalid";
  constructor(
    /** Dotted path of the bad key, e.g. `symbols.BTC-USD.maxSpreadBps`; "" for the whole file. */
    readonly key: string,
    message: string,
  ) {
    super(key ? `checks config: ${key}: ${message}` : `checks config: ${message}`);
    this.name = "ConfigError";
  }
}
