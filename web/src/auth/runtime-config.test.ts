import { describe, expect, it } from 'vitest';
import { cognitoMessage } from './cognito';
import { parseRuntimeConfig } from './runtime-config';

describe('parseRuntimeConfig', () => {
  it('accepts the local and the cloud configuration', () => {
    expect(parseRuntimeConfig({ authMode: 'local' })).toEqual({ authMode: 'local' });
    expect(parseRuntimeConfig({ authMode: 'cognito', region: 'eu-west-3', userPoolClientId: 'abc' })).toEqual({
      authMode: 'cognito',
      region: 'eu-west-3',
      userPoolClientId: 'abc',
    });
  });
  it('refuses anything else with a clear message', () => {
    expect(() => parseRuntimeConfig({})).toThrow(/authMode/);
    expect(() => parseRuntimeConfig({ authMode: 'cognito', region: 'evil.example.com/', userPoolClientId: 'x' })).toThrow(/not an AWS region/);
  });
});

describe('cognitoMessage', () => {
  it('never says whether the user exists', () => {
    expect(cognitoMessage({ __type: 'UserNotFoundException' })).toBe('Wrong username or password.');
    expect(cognitoMessage({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' })).toBe('Wrong username or password.');
  });
});
