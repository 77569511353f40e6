import { QueueFullError } from '../../src/common/concurrency-limit.js';
import { PasswordHasher } from '../../src/crypto/password-hasher.js';

describe('PasswordHasher', () => {
  it('lets QueueFullError through verify and verifyNothing: a full queue is no wrong password', async () => {
    const hasher = new PasswordHasher(1, 1);
    const stored = await hasher.hash('the right password');
    const admitted = [hasher.verify(stored, 'the right password'), hasher.verify(stored, 'a wrong password')]; // one hashing, one waiting
    await expect(hasher.verify(stored, 'the right password')).rejects.toBeInstanceOf(QueueFullError);
    await expect(hasher.verifyNothing('anything')).rejects.toBeInstanceOf(QueueFullError);
    await expect(hasher.hash('another password')).rejects.toBeInstanceOf(QueueFullError);
    expect(await Promise.all(admitted)).toEqual([true, false]);
    // The refused dummy hash was not kept as a failure: the next unknown user is verified again.
    expect(await hasher.verifyNothing('anything')).toBe(false);
  });

  it('bounds its queue at 64 per hashing slot by default', async () => {
    const hasher = new PasswordHasher(1);
    const stored = await hasher.hash('the right password');
    const answers = await Promise.allSettled(Array.from({ length: 66 }, () => hasher.verify(stored, 'a wrong password')));
    expect(answers.filter(({ status }) => status === 'fulfilled')).toHaveLength(65);
    expect(answers.filter((answer) => answer.status === 'rejected' && answer.reason instanceof QueueFullError)).toHaveLength(1);
  });

  it('answers false, not an error, for a malformed stored hash', async () => {
    expect(await new PasswordHasher().verify('not a hash', 'a password')).toBe(false);
  });
});
