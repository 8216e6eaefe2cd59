import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/shared/group-commit.js';

describe('GroupCommit', () => {
  it('when jobs arrive in the same turn, then they are committed together and each gets its own result', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, number>((jobs) => {
      commits.push([...jobs]);
      return jobs.map((j) => j * 10);
    });
    const results = await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it('when one job of a group fails, then only that job is refused and its neighbours commit alone', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, number>((jobs) => {
      if (jobs.includes(2)) throw new Error('bad job');
      commits.push([...jobs]);
      return jobs.map((j) => j);
    });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toEqual([[1], [3]]);
  });

  it('when asked to drain, then it resolves after pending jobs are committed', async () => {
    let committed = 0;
    const group = new GroupCommit<number, number>((jobs) => {
      committed += jobs.length;
      return [...jobs];
    });
    void group.submit(1);
    await group.drained();
    expect(committed).toBe(1);
  });
});

describe('GroupCommit with an asynchronous commit', () => {
  it('when jobs arrive while a commit is under way, then they wait for it and go in the next one together', async () => {
    const commits: number[][] = [];
    let finishFirst = () => {};
    const group = new GroupCommit<number, number>(async (jobs) => {
      commits.push([...jobs]);
      if (commits.length === 1) await new Promise<void>((resolve) => (finishFirst = resolve));
      return [...jobs];
    });
    const first = group.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [group.submit(2), group.submit(3)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(commits).toEqual([[1]]);
    finishFirst();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(commits).toEqual([[1], [2, 3]]);
  });

  it("when the failure is no one job's fault, then the whole group is refused without retrying each", async () => {
    let calls = 0;
    const lost = new Error('connection lost');
    const group = new GroupCommit<number, number>(
      async () => {
        calls += 1;
        throw lost;
      },
      { retryAlone: (error) => error !== lost },
    );
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
