import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/**
 * The Cognito user pool that signs portal users in. Operators create the users (no self
 * sign-up) and set `custom:role` and `custom:tenants`; the API reads both from the ID token.
 */
export class UserDirectory extends Construct {
  readonly userPool: cognito.UserPool;
  readonly portalClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Plus tier: threat protection (compromised credentials, adaptive authentication)
      // for accounts that can re-image every machine of a customer.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: {
        // One of the roles in @marrow/shared (MSP operator, tenant admin, read-only).
        role: new cognito.StringAttribute({ maxLen: 64, mutable: true }),
        // Comma-separated tenant ids the user may act for.
        tenants: new cognito.StringAttribute({ maxLen: 2048, mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is OPTIONAL (TOTP only) until the portal handles the MFA_SETUP challenge; Plus-tier threat protection in ENFORCED mode blocks risky sign-ins meanwhile. Switch to Mfa.REQUIRED once the portal supports enrolment.',
    });

    this.portalClient = this.userPool.addClient('PortalClient', {
      // A browser SPA cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      // No hosted UI / OAuth: the portal signs in with SRP directly; leaving OAuth on would
      // register CDK's placeholder callback URL.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // The role and tenants must be readable so they appear in the ID token...
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('role', 'tenants'),
      // ...and never writable by the user, or anyone could grant themselves a tenant.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
    });
  }
}
