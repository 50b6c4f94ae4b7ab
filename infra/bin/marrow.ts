import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addMarrowStacks } from '../lib/marrow-app';

const app = new App();
addMarrowStacks(app);
// cdk-nag (v3 runs as a policy-validation plugin): any unacknowledged finding, error or
// warning, fails `cdk synth` and `cdk deploy` before anything reaches CloudFormation.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
