// A request's logger that becomes a real pino child only when something logs through it. Fastify makes a
// child logger for every request (to bind its request id); with pino's redaction that cost ~10 µs per
// create_order although almost no request ever logs.

import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export class LazyChildLogger {
  private real: Logger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    this.real ??= this.parent.child(this.bindings, this.opts);
    return this.real;
  }

  get level(): string {
    return this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  private call(level: Level, args: unknown[]): void {
    // Below the level nothing is built at all.
    if (!this.parent.isLevelEnabled(level)) return;
    (this.logger[level] as (...a: unknown[]) => void)(...args);
  }

  fatal(...args: unknown[]): void {
    this.call('fatal', args);
  }
  error(...args: unknown[]): void {
    this.call('error', args);
  }
  warn(...args: unknown[]): void {
    this.call('warn', args);
  }
  info(...args: unknown[]): void {
    this.call('info', args);
  }
  debug(...args: unknown[]): void {
    this.call('debug', args);
  }
  trace(...args: unknown[]): void {
    this.call('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, opts);
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger as unknown as Logger, bindings, opts) as unknown as FastifyBaseLogger;
}
