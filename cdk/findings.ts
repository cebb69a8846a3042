// Acknowledging cdk-nag findings without depending on cdk-nag. cdk-nag (v3) reads
// CDK's own acknowledgement metadata (Validations.of(x).acknowledge), so the construct
// only needs aws-cdk-lib; the app decides whether to run the checks.
//
// Findings that carry a detail (AwsSolutions-IAM5[Resource::...], -IAM4[Policy::...])
// spell the resource the way cdk-nag flattens CloudFormation references
// (`<LogicalId.Arn>/segments/*`), so the id is computed from the token we granted, not
// copied from a synth run: it stays right when the construct is used under another id.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A token's value as cdk-nag spells it in finding ids (mirrors its flattenCfnReference). */
export function flattenForFinding(scope: IConstruct, value: unknown): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (o['Fn::Sub']) return visit(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return visit(o['Fn::ImportValue']);
    if (o.Ref) return `<${visit(o.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(value));
}

/** Acknowledge one finding on a construct (and everything below it), with the reason. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
