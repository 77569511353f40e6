import type { PageRequest } from '../directory/directory-store.js';
import type { PageQueryDto } from './admin.dto.js';

export const DEFAULT_PER_PAGE = 50;

/** Every list answers `{items, page, per_page, total}`. */
export async function pageOf<T>(query: PageQueryDto, load: (page: PageRequest) => Promise<{ items: T[]; total: number }>) {
  const page = { page: query.page ?? 1, perPage: query.per_page ?? DEFAULT_PER_PAGE };
  const { items, total } = await load(page);
  return { items, page: page.page, per_page: page.perPage, total };
}
