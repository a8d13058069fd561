export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** Whether a line at this level would be written: skip building fields that would be dropped. */
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
/** Field names whose values never reach a log line. */
const SECRET_KEY = /secret|password|token|authorization|cookie|signature|smtp_?url|api_?key/i;

/** One JSON object per line on stdout: easy to grep at 3 a.m., easy to ship anywhere. */
export function createLogger(
  level: LogLevel,
  base: LogFields = {},
  write: (line: string) => unknown = (line) => process.stdout.write(line),
): Logger {
  return new JsonLogger(ORDER[level], base, write);
}

/** A class rather than closures: every request gets a child logger, so making one must cost next to nothing. */
class JsonLogger implements Logger {
  constructor(
    private readonly threshold: number,
    private readonly base: LogFields,
    private readonly write: (line: string) => unknown,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.threshold, { ...this.base, ...fields }, this.write);
  }
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean {
    return ORDER[level] >= this.threshold;
  }

  private emit(at: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields): void {
    if (ORDER[at] < this.threshold) return;
    const record = { time: new Date().toISOString(), level: at, msg, ...this.base, ...redact(fields) };
    this.write(`${JSON.stringify(record)}\n`);
  }
}

/**
 * A shopper's private link inside any text (an error message quoting a URL, say), in any case:
 * routes match /IMPACT/… as they match /impact/…. A literal prefix, then one run of one class:
 * nothing in it can backtrack.
 */
const PRIVATE_LINK = /(\/(?:impact|unsubscribe|api\/supporters)\/)[A-Za-z0-9_-]{16,}/gi;

function redact(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (value instanceof Error) out[key] = { name: value.name, message: redactLinks(value.message) };
    else out[key] = typeof value === 'string' ? redactLinks(value) : value;
  }
  return out;
}

function redactLinks(text: string): string {
  return text.replace(PRIVATE_LINK, '$1:token');
}
