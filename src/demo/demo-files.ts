import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * DATA_DIR/demo: the demo's private key, client secret and password, and
 * its assertion script. The folder is 700 and every file 600, checked again
 * on each run; a file is written only when its content changes (through a
 * temporary file, so that it is never seen half-written).
 */
export class DemoFiles {
  constructor(readonly dir: string) {}

  async open(): Promise<this> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    return this;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  async read(name: string): Promise<string | undefined> {
    if (!existsSync(this.path(name))) return undefined;
    await chmod(this.path(name), 0o600);
    return readFile(this.path(name), 'utf8');
  }

  /** Writes `content` exactly (no newline added: curl's name@file and jq's --rawfile read files whole); says whether it changed. */
  async write(name: string, content: string): Promise<boolean> {
    if ((await this.read(name)) === content) return false;
    const temporary = `${this.path(name)}.${process.pid}.tmp`;
    await writeFile(temporary, content, { mode: 0o600 });
    await rename(temporary, this.path(name));
    return true;
  }
}
