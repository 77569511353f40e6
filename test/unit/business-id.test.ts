import {
  PARTY_TYPES, type EntityType,
  isValidEicX, isValidEmailId, isValidEstonianIdent, isValidGln, isValidOrgNumber, isValidPid, isValidUuid,
  partyRole, validateEntityBusinessId, validatePartyBusinessId,
} from '../../src/model/business-id.js';

/** Every string that differs from `text` in exactly one position, over `alphabet`. */
const singleSubstitutions = (text: string, alphabet: string) =>
  [...text].flatMap((original, i) => [...alphabet].filter((c) => c !== original).map((c) => text.slice(0, i) + c + text.slice(i + 1)));

describe('GLN', () => {
  // 5790001330583 and 5790000432752: Energinet DataHub and Energinet (published actor numbers);
  // 7501031311309: an EAN-13 (same GS1 check digit) from python-stdnum's tests.
  const published = ['5790001330583', '5790000432752', '7501031311309', '1111111111116'];

  it.each(published)('accepts %s', (gln) => expect(isValidGln(gln)).toBe(true));

  it.each([
    ['1111111111111', 'the seeds\' example, wrong check digit'],
    ['7501031311308', 'wrong check digit'],
    ['5790001330853', 'two digits swapped'],
    ['579000133058', '12 digits'],
    ['57900013305830', '14 digits'],
    ['579000133058a', 'a letter'],
    [' 5790001330583', 'a leading space'],
    ['579000133058３', 'a full-width digit'],
  ])('refuses %s (%s)', (gln) => expect(isValidGln(gln)).toBe(false));

  it('computes the GS1 digit exactly, blind spot included: a swap of adjacent digits 5 apart passes', () => {
    expect(isValidGln('5790001330538')).toBe(true);
  });

  it('catches every single-digit error in a valid GLN', () => {
    const variants = singleSubstitutions('5790001330583', '0123456789');
    expect(variants).toHaveLength(13 * 9);
    expect(variants.filter(isValidGln)).toEqual([]);
  });
});

describe('organisation number', () => {
  it('accepts nine digits not starting with 0, with no checksum', () => {
    expect(isValidOrgNumber('123456789')).toBe(true);
    expect(isValidOrgNumber('987654321')).toBe(true);
  });

  it.each(['023456789', '12345678', '1234567890', '12345678a', ' 123456789', '123 456 789', ''])('refuses %j', (text) => {
    expect(isValidOrgNumber(text)).toBe(false);
  });
});

describe('EIC of type X', () => {
  // Published party codes: ENTSO-E's transparency platform, Elia, Energinet, EMS (Serbia),
  // and X codes from python-stdnum's list of EICs found online.
  const partyCodes = [
    '10X1001A1001A450', '10X1001A1001A094', '10X1001A1001A248', '10XCS-SERBIATSO8', '10X1001B1001B61Q',
    '11XEMRHAENDLER-M', '11XWEMAG-------Q', '21X0000000011845', '21X000000001297T', '23X--150408-AS-5', '27XG-ACTHERM-CV1',
  ];
  // Published codes of other object types, with valid check characters: areas (Y), tie lines (T), resources (W), points (Z).
  const otherTypes = ['10YNO-1--------2', '10YNO-3--------J', '10YCH-SWISSGRIDZ', '10YDE-VE-------2', '10T-NO-SE-00005Q', '11WD8JAEN1L---AD', '59Z000000000216C'];

  it.each(partyCodes)('accepts %s', (code) => expect(isValidEicX(code)).toBe(true));

  it.each(otherTypes)('refuses %s: a valid EIC, but not a party code', (code) => expect(isValidEicX(code)).toBe(false));

  it.each([
    ['10X1001A1001A451', 'wrong check character'],
    ['10X1001A1001A45', '15 characters'],
    ['10X1001A1001A4500', '17 characters'],
    ['10x1001a1001a450', 'lower case'],
    ['10X1001A1001A45-', 'a dash as check character'],
    ['1AX1001A1001A450', 'a letter in the issuing office'],
    ['10X1001A1001A_50', 'an underscore'],
  ])('refuses %s (%s)', (code) => expect(isValidEicX(code)).toBe(false));

  it('catches every single-character error in a valid code', () => {
    const variants = singleSubstitutions('10XCS-SERBIATSO8', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-');
    expect(variants.filter(isValidEicX)).toEqual([]);
  });
});

describe('Estonian personal code', () => {
  it.each([
    // SK ID Solutions' published test identities.
    '37605030299', '38001085718', '49403136515',
    // python-stdnum's examples, across centuries and sexes.
    '36805280109', '16805280107', '51205280105', '46104090101', '34508136020', '49105080018',
    // These need the second weights: the first pass leaves 10.
    '36703010079', '36003050128',
    // Both passes leave 10, so the check digit is 0 (constructed; the date and serial are plausible).
    '37605030920',
    // The century follows the first digit, so 29 February exists in 1804 and 2000 only (constructed, check digits right).
    '20402290120', '50002290122', '60002290123',
    // The first and last days of the range.
    '10001010013', '69912319998',
  ])('accepts %s', (code) => expect(isValidEstonianIdent(code)).toBe(true));

  it.each([
    ['37605030290', 'wrong check digit'],
    ['36703010070', 'check digit from the first pass alone'],
    ['37605030921', 'both passes leave 10, so only 0 is right'],
    ['77605030292', 'century digit 7 (check digit right)'],
    ['07605030296', 'century digit 0 (check digit right)'],
    ['30002290120', '29 February 1900 (check digit right)'],
    ['40002290121', '29 February 1900 (check digit right)'],
    ['20002290124', '29 February 1800 (check digit right)'],
    ['38102290106', '29 February 1981 (check digit right)'],
    ['37604310298', '31 April (check digit right)'],
    ['37613030293', 'month 13 (check digit right)'],
    ['37605000291', 'day 0 (check digit right)'],
    ['3760503029', '10 digits'],
    ['376050302990', '12 digits'],
    ['a7605030299', 'a letter'],
  ])('refuses %s (%s)', (code) => expect(isValidEstonianIdent(code)).toBe(false));
});

describe('ETSI natural-person identifier', () => {
  it.each(['PNOEE-37605030299', 'PNOEE-36703010079', 'PNOLV-12345678901', 'PNOSE-a1B2c3', `PNONO-${'1'.repeat(64)}`])('accepts %s', (pid) => {
    expect(isValidPid(pid)).toBe(true);
  });

  it.each([
    ['PNOEE-37605030290', 'an Estonian code with a wrong check digit'],
    ['PNOEE-ABC', 'an Estonian code that is no personal code'],
    ['PNOee-37605030299', 'a lower-case country'],
    ['pnoEE-37605030299', 'a lower-case prefix'],
    ['PNO-37605030299', 'no country'],
    ['PNOEST-37605030299', 'a three-letter country'],
    ['PNOEE37605030299', 'no dash'],
    ['PASEE-37605030299', 'a passport number'],
    ['IDCEE-37605030299', 'an identity card number'],
    ['PNOEE-', 'an empty ident'],
    [`PNONO-${'1'.repeat(65)}`, 'a 65-character ident'],
    ['PNOLV-123456-78901', 'a dash in the ident'],
    ['PNOLV-12345 78901', 'a space in the ident'],
  ])('refuses %s (%s)', (pid) => expect(isValidPid(pid)).toBe(false));
});

describe('e-mail and UUID', () => {
  it.each(['knor@testkraft.test', 'a.b+tag@sub.example.no', 'æøå@example.no', `${'a'.repeat(64)}@example.no`, `a@${'b'.repeat(249)}.no`])('accepts the address %s', (email) => {
    expect(isValidEmailId(email)).toBe(true);
  });

  it.each([
    ['Knor@testkraft.test', 'upper case'],
    ['knor@TESTKRAFT.test', 'an upper-case domain'],
    ['knor@testkraft', 'an undotted domain'],
    ['knor testkraft@x.test', 'a space'],
    ['knor@x.test ', 'a trailing space'],
    ['knor\u0000@x.test', 'a control character'],
    ['@x.test', 'no local part'],
    ['a@@x.test', 'two @'],
    ['a@b@x.test', 'an @ in the local part'],
    ['a@x..test', 'an empty label'],
    ['a@.x.test', 'a leading dot in the domain'],
    ['a@x.test.', 'a trailing dot'],
    [`${'a'.repeat(65)}@example.no`, 'a 65-character local part'],
    [`a@${'b'.repeat(250)}.no`, '255 characters'],
  ])('refuses %j (%s)', (email) => expect(isValidEmailId(email)).toBe(false));

  it('accepts canonical UUIDs in lower or upper case', () => {
    expect(isValidUuid('7a9016dc-ac40-4908-9462-ffb0809726ce')).toBe(true);
    expect(isValidUuid('7A9016DC-AC40-4908-9462-FFB0809726CE')).toBe(true);
    expect(isValidUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['7a9016dc-ac40-4908-9462-ffb0809726c', 'one digit short'],
    ['7a9016dc-ac40-4908-9462-ffb0809726cef', 'one digit long'],
    ['7a9016dcac4049089462ffb0809726ce', 'no dashes'],
    ['{7a9016dc-ac40-4908-9462-ffb0809726ce}', 'braces'],
    ['urn:uuid:7a9016dc-ac40-4908-9462-ffb0809726ce', 'a URN'],
    ['7a9016dc-ac40-4908-9462-ffb0809726cg', 'a g'],
    ['7A9016dc-ac40-4908-9462-ffb0809726ce', 'mixed case'],
  ])('refuses the UUID %s (%s)', (uuid) => expect(isValidUuid(uuid)).toBe(false));
});

describe('validateEntityBusinessId', () => {
  it.each([
    ['organisation', 'org', '123456789'],
    ['organisation', 'uuid', '7a9016dc-ac40-4908-9462-ffb0809726ce'],
    ['person', 'email', 'a@b.test'],
    ['person', 'pid', 'PNOEE-37605030299'],
    ['person', 'uuid', '7a9016dc-ac40-4908-9462-ffb0809726ce'],
  ] as const)('accepts a %s identified by %s', (type, idType, id) => {
    expect(validateEntityBusinessId(type, idType, id)).toBeNull();
  });

  it('names the id types an entity type allows', () => {
    expect(validateEntityBusinessId('organisation', 'email', 'a@b.test')).toBe('an organisation is identified by org, uuid');
    expect(validateEntityBusinessId('organisation', 'pid', 'PNOEE-37605030299')).toBe('an organisation is identified by org, uuid');
    expect(validateEntityBusinessId('person', 'org', '123456789')).toBe('a person is identified by email, pid, uuid');
    expect(validateEntityBusinessId('person', 'gln', '5790001330583')).toBe('a person is identified by email, pid, uuid');
  });

  it('says what is wrong with the id itself', () => {
    expect(validateEntityBusinessId('person', 'pid', 'PNOEE-37605030290')).toMatch(/check digit/);
    expect(validateEntityBusinessId('person', 'email', 'A@b.test')).toMatch(/lower-case e-mail/);
    expect(validateEntityBusinessId('organisation', 'org', '023456789')).toMatch(/9-digit organisation number/);
    expect(validateEntityBusinessId('organisation', 'uuid', 'not-a-uuid')).toMatch(/UUID/);
  });

  it('answers an unknown entity type with a message, also for names on Object.prototype', () => {
    for (const type of ['company', 'toString', '__proto__', 'constructor']) {
      expect(validateEntityBusinessId(type as EntityType, 'org', '123456789')).toBe('entity type must be one of organisation, person');
    }
  });
});

describe('validatePartyBusinessId', () => {
  it.each([
    ['gln', '5790001330583'],
    ['org', '123456789'],
    ['eic_x', '10X1001A1001A450'],
    ['uuid', '7a9016dc-ac40-4908-9462-ffb0809726ce'],
  ])('accepts a %s', (idType, id) => expect(validatePartyBusinessId(idType, id)).toBeNull());

  it.each([
    ['gln', '1111111111111', 'must be a 13-digit GLN with a valid GS1 check digit'],
    ['eic_x', '10YNO-1--------2', 'must be a 16-character EIC code of type X with a valid check character'],
    ['org', '12345678', 'must be a 9-digit organisation number not starting with 0'],
    ['uuid', '5790001330583', 'must be a UUID (8-4-4-4-12 hexadecimal digits)'],
  ])('refuses a %s of %s', (idType, id, message) => expect(validatePartyBusinessId(idType, id)).toBe(message));

  it.each(['email', 'pid', 'eic', 'GLN', 'toString', ''])('names the allowed id types for %j', (idType) => {
    expect(validatePartyBusinessId(idType, '5790001330583')).toBe('a party is identified by gln, org, eic_x, uuid');
  });
});

describe('partyRole', () => {
  it('gives each party type a flex_ role', () => {
    expect(PARTY_TYPES).toHaveLength(9);
    expect(PARTY_TYPES.map(partyRole)).toEqual([
      'flex_balance_responsible_party', 'flex_end_user', 'flex_energy_supplier', 'flex_flexibility_information_system_operator',
      'flex_market_operator', 'flex_organisation', 'flex_service_provider', 'flex_system_operator', 'flex_third_party',
    ]);
  });
});
