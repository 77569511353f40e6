import type { Logger } from '@nestjs/common';

/** Runs `task` every `intervalMs` without keeping the process alive; failures are logged, not thrown. */
export function startPeriodicTask(task: () => Promise<unknown>, intervalMs: number, logger: Logger, what: string): () => void {
  const timer = setInterval(() => {
    task().catch((error: Error) => logger.warn(`${what} failed: ${error.message}`));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
