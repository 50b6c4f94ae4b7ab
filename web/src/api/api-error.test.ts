import { describe, expect, it } from 'vitest';
import { errorFromResponse, parseFieldProblems } from './api-error';

describe('parseFieldProblems', () => {
  it('splits several field problems and keeps semicolons inside messages', () => {
    expect(parseFieldProblems('body.mac: must be a MAC address like 52:54:00:12:34:56; body.hostname: must not be empty')).toEqual([
      { field: 'body.mac', message: 'must be a MAC address like 52:54:00:12:34:56' },
      { field: 'body.hostname', message: 'must not be empty' },
    ]);
    expect(parseFieldProblems('body.lines.1: line 2: unknown command "CopySysprp"')).toEqual([
      { field: 'body.lines.1', message: 'line 2: unknown command "CopySysprp"' },
    ]);
  });
  it('returns nothing for messages that name no field', () => {
    expect(parseFieldProblems('master M-1 is still in use: a; b')).toEqual([]);
  });
});

describe('errorFromResponse', () => {
  it('keeps the code, the message and the field problems of a 400', () => {
    const error = errorFromResponse(400, {
      error: {
        code: 'invalid-request',
        message: 'body.lines.1: line 2: unknown command "CopySysprp"',
        details: { problems: [{ field: 'body.lines.1', message: 'line 2: unknown command "CopySysprp"' }] },
      },
    });
    expect(error.kind).toBe('invalid-request');
    expect(error.problemsUnder('body.lines')).toEqual({ 1: 'line 2: unknown command "CopySysprp"' });
    expect(error.message).toBe('Line 2: unknown command "CopySysprp"');
  });
  it('names the field in the message when the problem does not', () => {
    expect(errorFromResponse(400, { error: { code: 'invalid-request', message: 'body.mac: must be a MAC address like 52:54:00:12:34:56' } }).message).toBe(
      'MAC address: must be a MAC address like 52:54:00:12:34:56',
    );
  });
  it('says where an in-use record is used (409)', () => {
    const error = errorFromResponse(409, { error: { code: 'conflict', message: 'master M-1 is still in use: it is in the default startup menu' } });
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('default startup menu');
  });
  it('writes a message when the body has none', () => {
    expect(errorFromResponse(502, undefined).message).toMatch(/had a problem \(HTTP 502\)/);
  });
});
