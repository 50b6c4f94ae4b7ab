import { useState, type FormEvent } from 'react';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { api } from '../api/client';
import { messageOf } from '../api/api-error';
import { cognitoSetNewPassword, cognitoSignIn, type CognitoResult } from './cognito';
import type { RuntimeConfig } from './runtime-config';
import { useSessionControl } from './session';
import './sign-in-page.css';

type Step = { kind: 'password' } | { kind: 'new-password'; session: string; username: string };

/** Sign-in: through the API on the local host, through Cognito in the cloud. */
export default function SignInPage({ config, reason }: { config: RuntimeConfig; reason?: string }) {
  const { signIn } = useSessionControl();
  const [step, setStep] = useState<Step>({ kind: 'password' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const finish = async (result: CognitoResult) => {
    if (result.kind === 'signed-in') await signIn(result.token, result.expiresAt);
    else setStep({ kind: 'new-password', session: result.session, username: result.username });
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    if (step.kind === 'password' && (!username.trim() || !password)) return;
    if (step.kind === 'new-password' && newPassword.length < 12) return;
    setBusy(true);
    try {
      if (step.kind === 'new-password' && config.authMode === 'cognito') {
        await finish(await cognitoSetNewPassword(config, step.session, step.username, newPassword));
      } else if (config.authMode === 'cognito') {
        await finish(await cognitoSignIn(config, username.trim(), password));
      } else {
        const answer = await api.auth.login(username.trim(), password);
        await signIn(answer.token, answer.expiresAt);
      }
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="marrow-sign-in">
      <div className="marrow-sign-in__panel">
        <Box textAlign="center" margin={{ bottom: 'l' }}>
          <span className="marrow-sign-in__logo" aria-hidden="true">
            M
          </span>
          <Box variant="h1" margin={{ top: 's' }}>
            Marrow
          </Box>
          <Box color="text-body-secondary">Cloud-managed network imaging</Box>
        </Box>
        <form onSubmit={submit} noValidate>
          <Container header={<Header variant="h2">{step.kind === 'password' ? 'Sign in' : 'Choose a new password'}</Header>}>
            <Form
              actions={
                <Button variant="primary" formAction="submit" loading={busy} data-testid="sign-in-submit">
                  {step.kind === 'password' ? 'Sign in' : 'Set password and sign in'}
                </Button>
              }
            >
              <SpaceBetween size="m">
                {reason && !error && <Alert type="info">{reason}</Alert>}
                {error && (
                  <Alert type="error" header="Sign-in failed">
                    {error}
                  </Alert>
                )}
                {step.kind === 'password' ? (
                  <>
                    <FormField label="Username" errorText={submitted && !username.trim() ? 'Enter your username.' : undefined}>
                      <Input
                        value={username}
                        onChange={({ detail }) => setUsername(detail.value)}
                        autoComplete="username"
                        autoFocus
                        name="username"
                        disableBrowserAutocorrect
                      />
                    </FormField>
                    <FormField label="Password" errorText={submitted && !password ? 'Enter your password.' : undefined}>
                      <Input
                        value={password}
                        onChange={({ detail }) => setPassword(detail.value)}
                        type="password"
                        autoComplete="current-password"
                        name="password"
                      />
                    </FormField>
                  </>
                ) : (
                  <FormField
                    label="New password"
                    description="Your administrator gave you a temporary password: choose your own (at least 12 characters, with upper and lower case letters, digits and symbols)."
                    errorText={submitted && newPassword.length < 12 ? 'At least 12 characters.' : undefined}
                  >
                    <Input
                      value={newPassword}
                      onChange={({ detail }) => setNewPassword(detail.value)}
                      type="password"
                      autoComplete="new-password"
                      autoFocus
                    />
                  </FormField>
                )}
              </SpaceBetween>
            </Form>
          </Container>
        </form>
      </div>
    </main>
  );
}
