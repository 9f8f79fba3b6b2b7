import { describe, expect, it } from 'vitest';
import { hasHostTool, requireHostTools } from './hostTools';

describe('host tools', () => {
  it('finds a tool every POSIX host has', () => {
    expect(hasHostTool('sh')).toBe(true);
    expect(requireHostTools(['sh'], 'dash')).toEqual({ skip: false, reason: '' });
  });

  it('skips with the reason outside CI and fails under CI=true', () => {
    const check = requireHostTools(['no-such-tool-x'], 'nothing', {});
    expect(check.skip).toBe(true);
    expect(check.reason).toMatch(/no-such-tool-x.*apt-get install nothing/);
    expect(() => requireHostTools(['no-such-tool-x'], 'nothing', { CI: 'true' })).toThrow(
      /CI=true/,
    );
  });
});
