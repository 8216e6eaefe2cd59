import { ConsoleLogger, type Logger, LogLevel } from '@slack/logger';

export type { Logger };

const LEVELS: Record<string, LogLevel> = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
};

/** One logger for our code and Bolt's, so both honour LOG_LEVEL and read alike. */
export function createLogger(level: string, name = 'cartwatch'): Logger {
  const logger = new ConsoleLogger();
  logger.setLevel(LEVELS[level] ?? LogLevel.INFO);
  logger.setName(name);
  return logger;
}
