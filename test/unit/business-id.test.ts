import {
  isValidEicX, isValidEmailId, isValidEstonianIdent, isValidGln, isValidOrgNumber, isValidPid, isValidUuid,
  partyRole, validateEntityBusinessId, validatePartyBusinessId,
} from '../../src/crypto/business-id.js';

describe('business ids', () => {
  it('checks the GS1 check digit of GLNs', () => {
    for (const valid of ['1111111111116', '5790000000005', '7080000000005', '4000000000006', '0000000000000']) expect(isValidGln(valid)).toBe(true);
    // The seeds' example 1111111111111 fails its check digit.
    for (const invalid of ['1111111111111', '5790000000006', '111111111116', '11111111111160', '111111111111a']) expect(isValidGln(invalid)).toBe(false);
  });

  it('checks the organisation number pattern', () => {
    expect(isValidOrgNumber('123456789')).toBe(true);
    for (const invalid of ['023456789', '12345678', '1234567890', '12345678a', ' 123456789']) expect(isValidOrgNumber(invalid)).toBe(false);
  });

  it('checks EIC codes of type X against published ENTSO-E codes', () => {
    for (const valid of ['10X1001A1001A450', '10X1001A1001A094', '10XNO-STATNETT-7']) expect(isValidEicX(valid)).toBe(true);
    // Valid check characters, but Y (area) codes are not parties.
    expect(isValidEicX('10YNO-1--------2')).toBe(false);
    for (const invalid of ['10X1001A1001A451', '10X1001A1001A45', '10x1001a1001a450', '10X1001A1001A45-']) expect(isValidEicX(invalid)).toBe(false);
  });

  it('checks Estonian personal codes: century digit, date of birth and check digit', () => {
    for (const valid of ['37605030299', '38001085718', '49403136515', '30110100103', '39912310174']) expect(isValidEstonianIdent(valid)).toBe(true);
    for (const invalid of ['37605030290', '77605030299', '37613030299', '37602300298', '3760503029', 'a7605030299']) expect(isValidEstonianIdent(invalid)).toBe(false);
  });

  it('checks ETSI personal identifiers, with the Estonian check for EE', () => {
    expect(isValidPid('PNOEE-30110100103')).toBe(true);
    expect(isValidPid('PNOLV-12345678901')).toBe(true);
    for (const invalid of ['PNOEE-30110100104', 'PNOee-30110100103', 'PNO-30110100103', 'PASEE-30110100103', 'PNOEE-']) expect(isValidPid(invalid)).toBe(false);
  });

  it('checks lower-case e-mail addresses and UUIDs', () => {
    expect(isValidEmailId('knor@testkraft.test')).toBe(true);
    for (const invalid of ['Knor@testkraft.test', 'knor@testkraft', 'knor testkraft@x.test', '@x.test', 'a@@x.test']) expect(isValidEmailId(invalid)).toBe(false);
    expect(isValidUuid('7a9016dc-ac40-4908-9462-ffb0809726ce')).toBe(true);
    expect(isValidUuid('7a9016dc-ac40-4908-9462-ffb0809726c')).toBe(false);
  });

  it('matches id types to entity types', () => {
    expect(validateEntityBusinessId('organisation', 'org', '123456789')).toBeNull();
    expect(validateEntityBusinessId('person', 'email', 'a@b.test')).toBeNull();
    expect(validateEntityBusinessId('organisation', 'email', 'a@b.test')).toMatch(/organisation is identified by org, uuid/);
    expect(validateEntityBusinessId('person', 'org', '123456789')).toMatch(/person is identified by email, pid, uuid/);
    expect(validateEntityBusinessId('person', 'pid', 'PNOEE-30110100104')).toMatch(/check digit/);
  });

  it('validates party ids by their type', () => {
    expect(validatePartyBusinessId('gln', '1111111111116')).toBeNull();
    expect(validatePartyBusinessId('gln', '1111111111111')).toMatch(/GS1 check digit/);
    expect(validatePartyBusinessId('eic_x', '10X1001A1001A450')).toBeNull();
    expect(validatePartyBusinessId('email', 'a@b.test')).toMatch(/gln, org, eic_x, uuid/);
    expect(partyRole('service_provider')).toBe('flex_service_provider');
  });
});
