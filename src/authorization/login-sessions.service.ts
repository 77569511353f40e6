import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { SecretDigest } from '../crypto/secret-digest.js';
import { setCookie, SESSION_COOKIE } from './login-cookie.js';

export interface LoginSession {
  readonly id: string;
  readonly entityId: number;
  readonly authTime: Date;
  readonly amr: string[];
}

/**
 * A person's login at the issuer (LOGIN_SESSION_TTL from her password): its
 * cookie lets later authorizations, and a reload of the portal, skip the
 * password. The cookie's value is kept only as a digest.
 */
@Injectable()
export class LoginSessions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly digest: SecretDigest,
  ) {}

  get ttlSeconds(): number {
    return this.config.codeFlow.loginSessionTtlSeconds;
  }

  /** A new session for the person; the cookie's value, shown this once. */
  async start(entityId: number, amr: readonly string[]): Promise<{ session: LoginSession; cookie: string }> {
    const cookie = SecretDigest.generate();
    const id = randomUUID();
    const [row]: { auth_time: Date }[] = await this.dataSource.query(
      `INSERT INTO login_sessions (id, cookie_digest, entity_id, auth_time, amr, expires_at)
       VALUES ($1, $2, $3, now(), $4, now() + make_interval(secs => $5)) RETURNING auth_time`,
      [id, this.digest.digest(cookie), entityId, amr, this.ttlSeconds],
    );
    return { session: { id, entityId, authTime: row.auth_time, amr: [...amr] }, cookie };
  }

  /** Whether the issuer is served over https: its cookies are then Secure. */
  get secureCookies(): boolean {
    return this.config.publicUrl.startsWith('https:');
  }

  /** A new session's Set-Cookie header (someone who just proved herself some other way, as the operator's setup does). */
  async startCookie(entityId: number, amr: readonly string[]): Promise<string> {
    const { cookie } = await this.start(entityId, amr);
    return setCookie(SESSION_COOKIE, cookie, this.ttlSeconds, this.secureCookies);
  }

  /** The live session behind a cookie, or null. */
  async find(cookie: string | undefined): Promise<LoginSession | null> {
    if (cookie === undefined || cookie.length > 64) return null;
    const [row]: LoginSession[] = await this.dataSource.query(
      `SELECT id, entity_id AS "entityId", auth_time AS "authTime", amr FROM login_sessions
        WHERE cookie_digest = ANY($1) AND ended_at IS NULL AND expires_at > now()`,
      [this.digest.digestsUnderEveryKey(cookie)],
    );
    return row ?? null;
  }

  /** Ends a session (logout); true when it was live. */
  async end(id: string): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query('UPDATE login_sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL RETURNING id', [id]);
    return rows.length === 1;
  }
}
