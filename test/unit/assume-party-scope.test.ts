import { AssumePartyScopeError, parseAssumePartyScope, type AssumePartyScopeReason } from '../../src/model/assume-party-scope.js';

const reasonOf = (text: string | undefined): AssumePartyScopeReason => {
  try {
    parseAssumePartyScope(text);
  } catch (error) {
    if (error instanceof AssumePartyScopeError) return error.reason;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(text)}`);
};

describe('parseAssumePartyScope', () => {
  it('reads the party id alone, with no narrowing', () => {
    expect(parseAssumePartyScope('assume:party:1394')).toEqual({ partyId: 1394, narrowing: undefined });
  });

  it('reads narrowing scopes on either side, normalized by ScopeSet', () => {
    const parsed = parseAssumePartyScope('read:data assume:party:7 manage:data read:data:party');
    expect(parsed.partyId).toBe(7);
    expect(parsed.narrowing?.toString()).toBe('manage:data');
  });

  it('accepts the largest safe integer', () => {
    expect(parseAssumePartyScope(`assume:party:${Number.MAX_SAFE_INTEGER}`).partyId).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([undefined, '', 'read:data', 'manage:auth manage:data', 'ASSUME:party:1'])('refuses %j as missing', (text) => {
    expect(reasonOf(text)).toBe('missing');
  });

  it.each(['assume:party:1 assume:party:2', 'assume:party:1 assume:party:1', 'assume:party:1 assume:entity:1'])('refuses %j as repeated', (text) => {
    expect(reasonOf(text)).toBe('repeated');
  });

  it.each([
    'assume:party:0', 'assume:party:01', 'assume:party:-1', 'assume:party:+1', 'assume:party:1.0', 'assume:party:1e3', 'assume:party:',
    'assume:party', 'assume:', 'assume:entity:1', 'assume:party:1:x', 'assume:party:0x10', 'assume:party:١٢', `assume:party:${Number.MAX_SAFE_INTEGER + 1}`,
    'assume:party:99999999999999999999', 'assume:party: 1', 'assume:party:1\tread:data',
  ])('refuses %j as malformed', (text) => {
    expect(reasonOf(text)).toBe('malformed');
  });

  it.each([
    'assume:party:1 write:data', 'assume:party:1  read:data', ' assume:party:1', 'assume:party:1 ',
    `assume:party:1 ${Array.from({ length: 65 }, (_, i) => `read:data:r${i}`).join(' ')}`,
  ])('refuses %j as a malformed scope', (text) => {
    expect(reasonOf(text)).toBe('scope_malformed');
  });

  it('takes 64 narrowing scopes beside the assume token', () => {
    const scopes = Array.from({ length: 64 }, (_, i) => `read:data:r${i}`);
    expect(parseAssumePartyScope(`assume:party:3 ${scopes.join(' ')}`).narrowing?.size).toBe(64);
  });

  it('does not turn a megabyte of spaces into a million tokens', () => {
    expect(reasonOf(`assume:party:1${' '.repeat(1_000_000)}`)).toBe('scope_malformed');
  });
});
