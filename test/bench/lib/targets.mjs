// Issue 18's targets, each a ratio to something measured in the same run. The ones relative to the peer
// (node-oidc-provider) are checked by npm run bench:peer, which measures both in one run.
const MAX_RSS_MB = 200;
const MAX_P99_MS = 50;

/** {rule, value, met} per scenario, and the codec's; `met` also needs no non-2xx and the RSS bound. */
export function scenarioTargets(scenarios, rates, codec) {
  const rate = (name) => scenarios.find((s) => s.name === name)?.requests_per_s;
  const jwt = rate('jwt-bearer-login');
  const times = (factor, of, name) => (of === undefined ? { rule: `≥ ${factor}× ${name} (not run)`, value: undefined } : { rule: `≥ ${factor}× ${name}`, value: Math.round(factor * of) });
  const rules = {
    'jwt-bearer-login': (s) => ({ rule: `≥ 35 % of limit, p99 ≤ ${MAX_P99_MS} ms`, value: Math.round(0.35 * s.limit_per_s), p99: MAX_P99_MS }),
    'client-credentials-login': () => ({ rule: `≥ 2× peer cc (bench:peer), p99 ≤ ${MAX_P99_MS} ms`, value: undefined, p99: MAX_P99_MS }),
    'eid-login': () => times(1, jwt, 'jwt-bearer'),
    userinfo: () => times(3, jwt, 'jwt-bearer'),
    'introspect-registrant': () => times(2, jwt, 'jwt-bearer'),
    'password-login': () => ({ rule: '≥ 80 % of argon2id all-core', value: Math.round(0.8 * rates.argon2id_per_s_all_cores) }),
    'refresh-token': () => ({ rule: '≥ 1.5× peer cc (bench:peer)', value: undefined }),
    'dpop-client-credentials-login': () => ({ rule: '≥ 1.5× peer cc (bench:peer)', value: undefined }),
  };
  const targets = {};
  for (const s of scenarios) {
    const target = rules[s.name]?.(s) ?? { rule: 'none (rate and p99 reported)', value: undefined };
    const sound = s.non_2xx === 0 && s.peak_rss_mb <= MAX_RSS_MB && (target.p99 === undefined || s.p99_ms <= target.p99);
    targets[s.name] = { ...target, met: sound && (target.value === undefined || s.requests_per_s >= target.value) };
  }
  const encodeShare = codec.encode_per_s / codec.raw_encode_per_s;
  const verifyShare = codec.verify_per_s / codec.raw_verify_per_s;
  targets.codec = { rule: '≥ 80 % of raw AES-256-CBC + HMAC-SHA256', encode_share: Math.round(100 * encodeShare) / 100, verify_share: Math.round(100 * verifyShare) / 100, met: encodeShare >= 0.8 && verifyShare >= 0.8 };
  return targets;
}
