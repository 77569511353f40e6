import { hasDuplicateMemberNames } from '../../src/crypto/strict-json.js';

describe('hasDuplicateMemberNames', () => {
  it.each([
    ['{"iss":"a","iss":"b"}', true],
    ['{"iss":"a","\\u0069ss":"b"}', true],
    ['{"a":{"x":1,"x":2}}', true],
    ['{"a":[{"x":1},{"x":2}],"b":1}', false],
    ['{"a":"iss","iss":"a"}', false],
    ['{"a":"\\"","b":"\\\\","a\\"":1}', false],
    ['{"a":{"b":1},"b":2}', false],
    ['{"a":[1,{"a":1}],"a":3}', true],
    ['{}', false],
    ['[{"a":1,"a":2}]', true],
  ])('%s → %s', (text, expected) => {
    JSON.parse(text); // the helper's precondition: valid JSON
    expect(hasDuplicateMemberNames(text)).toBe(expected);
  });
});
