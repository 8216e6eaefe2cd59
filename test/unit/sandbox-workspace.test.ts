import { describe, expect, it } from 'vitest';
import { SANDBOX_KEEPS, SandboxWorkspace } from '../../src/sandbox/workspace.js';

describe('sandbox workspace', () => {
  it('when more messages arrive than it keeps, then the oldest go and the latest stay', () => {
    const workspace = new SandboxWorkspace(['C0OPS']);
    for (let i = 0; i < SANDBOX_KEEPS.messages + 5; i++) {
      workspace.messages.push({ channel: 'C0OPS', ts: workspace.nextTs(), text: `message ${i}` });
      workspace.changed();
    }
    expect(workspace.messages).toHaveLength(SANDBOX_KEEPS.messages);
    expect(workspace.messages[0]?.text).toBe('message 5');
    expect(workspace.messages.at(-1)?.text).toBe(`message ${SANDBOX_KEEPS.messages + 4}`);
  });
});
