import type { Child } from './dom.js';

/** What every view gets: where to draw, and how to move on or speak up. */
export interface ViewContext {
  /** Draws the page: a heading (focused, for keyboard and screen-reader users) and its content. */
  page(title: string, ...content: Child[]): void;
  /** Goes to another page; `carry` is shown there (a page change clears both message regions). */
  navigate(hash: string, carry?: Messages): void;
  /** A success message in the polite live region. */
  notify(message: string): void;
  /** An error in words in the alert region. */
  fail(error: unknown): void;
}

/** What a page shows in its message regions when it is reached. */
export interface Messages {
  readonly alert?: string;
  readonly status?: string;
}
