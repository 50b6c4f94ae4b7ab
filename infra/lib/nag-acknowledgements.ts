import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each given wildcard resource (an ARN
 * token such as `${bucket.bucketArn}/*`) on `scope` and its children.
 *
 * cdk-nag v3 names every wildcard finding after the resource's rendered CloudFormation, and
 * an ARN owned by another stack renders as a cross-stack reference only once CDK has wired
 * the references during synthesis. So the acknowledgement is recorded in the validation
 * phase, from the very tokens the grants used, instead of from a string copied out of an
 * error message; renaming a construct cannot silently widen or break it.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const stack = Stack.of(scope);
      for (const resource of resources) {
        const rendered = flattenCfnReference(stack.resolve(resource));
        Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason });
      }
      return [];
    },
  });
}
