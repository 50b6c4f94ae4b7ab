import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addMarrowStacks } from '../lib/marrow-app';
import { fromRepoRoot } from '../lib/paths';

/** cdk.json's context (feature flags), so the tests check what `cdk synth` produces. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fromRepoRoot('cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface BuildOptions {
  /** Run esbuild for the NodejsFunction (default off: context `aws:cdk:bundling-stacks: []`). */
  readonly bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation, as `cdk synth` does (default
   * off: it costs ~3 s per test file on first use and only the cdk-nag test needs it).
   */
  readonly cfnValidation?: boolean;
}

/** A fresh Marrow app, built exactly as infra/bin/marrow.ts builds it. */
export function buildMarrowApp({ bundle = false, cfnValidation = false }: BuildOptions = {}) {
  const app = new App({
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    builtinCloudFormationValidation: cfnValidation,
  });
  return { app, ...addMarrowStacks(app) };
}

/** The templates of one synthesized app. */
export function synthMarrow() {
  const built = buildMarrowApp();
  const dataTemplate = Template.fromStack(built.data);
  const edgeLinkTemplate = Template.fromStack(built.edgeLink);
  const apiTemplate = Template.fromStack(built.api);
  return { ...built, dataTemplate, edgeLinkTemplate, apiTemplate };
}

/** The single logical id of the resource of `type` in `template`. */
export function onlyLogicalId(template: Template, type: string, props?: Record<string, unknown>): string {
  const ids = Object.keys(template.findResources(type, props ? { Properties: props } : undefined));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
}
