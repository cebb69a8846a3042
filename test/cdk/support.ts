// Shared helpers for the CDK tests: synthesize, then read the template by logical id.
import type { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, any>;
  DependsOn?: string[];
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: unknown; Description?: string }>;
}

/** The logical id of a construct's CloudFormation resource (its default child). */
export function logicalId(construct: IConstruct): string {
  const cfn = (construct.node.defaultChild ?? construct) as CfnElement;
  const stack = cfn.stack as Stack;
  return stack.resolve(cfn.logicalId) as string;
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attr] }` → id; anything else → undefined. */
export function refOf(v: unknown): string | undefined {
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object') return undefined;
  if (typeof o.Ref === 'string') return o.Ref;
  const ga = o['Fn::GetAtt'];
  if (Array.isArray(ga) && typeof ga[0] === 'string') return ga[0];
  return undefined;
}

/** Every logical id referenced (Ref / GetAtt) anywhere inside a value. */
export function refsIn(v: unknown, out = new Set<string>()): Set<string> {
  const r = refOf(v);
  if (r) out.add(r);
  if (v && typeof v === 'object') for (const x of Object.values(v as object)) refsIn(x, out);
  return out;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

/** Every policy statement in the template, with where it came from. */
export function allStatements(template: CfnTemplate): { source: string; statement: Statement }[] {
  const out: { source: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    const docs: unknown[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') docs.push(p.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') {
      docs.push(p.AssumeRolePolicyDocument);
      for (const pol of asArray(p.Policies as { PolicyDocument: unknown }[])) docs.push(pol.PolicyDocument);
    }
    if (r.Type === 'AWS::S3::BucketPolicy') docs.push(p.PolicyDocument);
    for (const doc of docs) {
      for (const statement of asArray((doc as { Statement?: Statement | Statement[] } | undefined)?.Statement)) {
        out.push({ source: id, statement });
      }
    }
  }
  return out;
}

/** Statements of the identity policies attached to a role (inline and AWS::IAM::Policy). */
export function roleStatements(template: CfnTemplate, roleId: string): Statement[] {
  const out: Statement[] = [];
  const role = template.Resources[roleId];
  for (const pol of asArray(role?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[])) {
    out.push(...asArray(pol.PolicyDocument.Statement));
  }
  for (const [, r] of resourcesOfType(template, 'AWS::IAM::Policy')) {
    const roles = asArray(r.Properties?.Roles).map(refOf);
    if (roles.includes(roleId)) out.push(...asArray(r.Properties!.PolicyDocument.Statement as Statement[]));
  }
  return out;
}

export function findingsSummary(report: { violations: { ruleName: string; violatingResources: { constructPath?: string }[] }[] }): string[] {
  return report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

export type { App };
