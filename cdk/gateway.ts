/**
 * KafkaGateway: the optional Kafka-protocol gateway of a StreamingPlatform
 * (`kafkaGateway: {...}`), as an arm64 ECS Fargate service behind a Network Load Balancer
 * whose listener terminates TLS.
 *
 * The image: a public Node 22 base image plus the gateway, bundled here with esbuild into
 * one file (the same bundle options as the Lambda functions), in a Dockerfile generated
 * next to it (ContainerImage.fromAsset). Synth only stages that directory, offline and
 * without Docker; `cdk deploy` builds and pushes the image, which is the one step that
 * needs Docker. (The alternative, a stock image fetching the bundle from S3 at start,
 * would need an S3 client inside a bare Node image and make every task start depend on
 * an extra download.)
 *
 * Security: TLS on the listener (an ACM certificate for `domainName`, which clients are
 * told to connect to: point that name at the load balancer); clients authenticate with
 * the SASL mechanisms of AWS MSK's IAM libraries, verified with SigV4 against the access
 * keys in `iamKeysSecret`, and/or with SCRAM/PLAIN users from `usersSecret`; at least
 * one is required. The task role grants exactly GATEWAY_ACCESS (access.ts, as a
 * function's role grants its FUNCTIONS entry), nothing else. Tasks run in private subnets; DynamoDB and S3 are reached through
 * gateway endpoints.
 *
 * Cost: unlike the Lambda path it does not scale to zero. Idle, it is `minTasks` Fargate
 * tasks (0.25 vCPU / 0.5 GB arm64 each, about $7 a month), the load balancer (about
 * $16 a month plus LCUs) and the NAT gateway of a new VPC (about $32 a month; pass your
 * own `vpc` to share one).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { storageEnvironment } from '../lib/storage/definitions.ts';
import { describeAccess, storageStatements, type StorageAccess } from './access.ts';
import { PROJECT_ROOT, esbuildBuildOptions } from './bundling.ts';
import { acknowledge } from './findings.ts';
import type { PlatformSettings } from './props.ts';
import type { PlatformStorage } from './storage.ts';

export const GATEWAY_CONTAINER_PORT = 9092;
/** MSK's port for IAM-authenticated TLS clients; what MSK users already configure. */
export const DEFAULT_GATEWAY_LISTENER_PORT = 9098;
const BASE_IMAGE = 'public.ecr.aws/docker/library/node:22-alpine';

/**
 * What the gateway's tasks may do with the storage: what produce, fetch, groups and the
 * topic admin functions may, together (Kafka's APIs cover all of them); no subscriptions,
 * no deleting segment objects (maintenance does that).
 */
export const GATEWAY_ACCESS: StorageAccess = {
  tables: { topics: 'write', partitions: 'write', segments: 'write', groups: 'write', producers: 'write' },
  bucket: 'write',
};

export interface KafkaGatewayOptions {
  /** TLS certificate for `domainName`. */
  readonly certificate: acm.ICertificate;
  /** The name clients connect to (covered by the certificate, pointed at the load balancer). */
  readonly domainName: string;
  /** JSON {"accessKeyId": "secretAccessKey"}: keys whose MSK IAM signatures are accepted. */
  readonly iamKeysSecret?: secretsmanager.ISecret;
  /** JSON {"user": "password"} for SASL SCRAM and PLAIN. */
  readonly usersSecret?: secretsmanager.ISecret;
  readonly vpc?: ec2.IVpc;
  /** Reachable from the internet (default false: from the VPC only). */
  readonly internetFacing?: boolean;
  readonly listenerPort?: number;
  readonly minTasks?: number;
  readonly maxTasks?: number;
  /** Produce linger in ms (default 5). */
  readonly lingerMs?: number;
}

/** The options, and the platform's parts the gateway is built from (platform.ts). */
export interface KafkaGatewayProps extends KafkaGatewayOptions {
  readonly settings: PlatformSettings;
  readonly storage: PlatformStorage;
}

/** Bundles the gateway and writes its Dockerfile into a fresh directory (the image asset). */
export function stageGatewayImage(projectRoot: string = PROJECT_ROOT): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-gateway-image-'));
  mkdirSync(path.join(dir, 'app'));
  const options = esbuildBuildOptions(path.join(projectRoot, 'lib/gateway/bin.ts'), path.join(dir, 'app'));
  buildSync({ ...options, metafile: false, logLevel: 'error' });
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      `FROM --platform=linux/arm64 ${BASE_IMAGE}`,
      'WORKDIR /app',
      'COPY app/ /app/',
      'USER node',
      `EXPOSE ${GATEWAY_CONTAINER_PORT}`,
      'ENV NODE_OPTIONS=--enable-source-maps',
      'CMD ["node", "/app/index.mjs"]',
      '',
    ].join('\n'),
  );
  return dir;
}

export class KafkaGateway extends Construct {
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly taskRole: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** host:port clients use as bootstrap server. */
  readonly bootstrapServers: string;

  constructor(scope: Construct, id: string, props: KafkaGatewayProps) {
    super(scope, id);
    if (!props.iamKeysSecret && !props.usersSecret) {
      throw new Error('kafkaGateway: give iamKeysSecret and/or usersSecret; the gateway never serves unauthenticated clients');
    }
    const port = props.listenerPort ?? DEFAULT_GATEWAY_LISTENER_PORT;
    const { settings, storage } = props;
    const vpc = props.vpc ?? this.newVpc(settings);
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: settings.logRetention, removalPolicy: settings.logRemoval });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Sluice Kafka gateway tasks: ${describeAccess(GATEWAY_ACCESS)}`,
    });
    for (const statement of storageStatements(storage, GATEWAY_ACCESS, this.taskRole, 'GATEWAY_ACCESS')) this.taskRole.addToPrincipalPolicy(statement);
    const task = this.newTask(props, port);

    const securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', { vpc, description: 'Sluice Kafka gateway tasks', allowAllOutbound: true });
    // A TLS listener does not preserve client addresses: connections to the tasks come
    // from the load balancer's addresses inside the VPC, internet-facing or not.
    securityGroup.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(GATEWAY_CONTAINER_PORT), 'From the load balancer');
    acknowledge(securityGroup, 'AwsSolutions-EC23', 'Ingress is the VPC CIDR on the gateway port only: the load balancer\'s addresses (TLS listeners do not preserve client IPs), never the internet.');
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: props.minTasks ?? 2,
      securityGroups: [securityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: props.minTasks ?? 2, maxCapacity: props.maxTasks ?? 10 });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });

    this.loadBalancer = this.newLoadBalancer(props, vpc, port);
    this.bootstrapServers = `${props.domainName}:${port}`;
  }

  /** The task: one arm64 container of the gateway image, its names in the environment, its credentials as ECS secrets. */
  private newTask(props: KafkaGatewayProps, port: number): ecs.FargateTaskDefinition {
    const { settings, storage } = props;
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
      taskRole: this.taskRole,
    });
    const secrets: Record<string, ecs.Secret> = {
      ...(props.usersSecret ? { SLUICE_GATEWAY_USERS: ecs.Secret.fromSecretsManager(props.usersSecret) } : {}),
      ...(props.iamKeysSecret ? { SLUICE_GATEWAY_IAM_KEYS: ecs.Secret.fromSecretsManager(props.iamKeysSecret) } : {}),
    };
    task.addContainer('Gateway', {
      image: ecs.ContainerImage.fromAsset(stageGatewayImage(settings.projectRoot)),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'gateway' }),
      portMappings: [{ containerPort: GATEWAY_CONTAINER_PORT }],
      environment: {
        ...storageEnvironment(storage.names),
        SLUICE_GATEWAY_HOST: '0.0.0.0',
        SLUICE_GATEWAY_PORT: String(GATEWAY_CONTAINER_PORT),
        SLUICE_GATEWAY_ADVERTISED_HOST: props.domainName,
        SLUICE_GATEWAY_ADVERTISED_PORT: String(port),
        SLUICE_GATEWAY_LINGER_MS: String(props.lingerMs ?? 5),
        ...(props.iamKeysSecret ? { SLUICE_GATEWAY_IAM_REGION: Stack.of(this).region } : {}),
      },
      secrets,
      readonlyRootFilesystem: true,
    });
    acknowledge(
      task.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken, which the execution role needs to pull the image, has no resource-level permissions; everything else it may do is scoped.',
    );
    acknowledge(task, 'AwsSolutions-ECS2', 'The environment holds only names (tables, bucket, hosts, ports); credentials come from Secrets Manager as ECS secrets.');
    return task;
  }

  /** The network load balancer: TLS on `port` with the given certificate, TCP to the tasks. */
  private newLoadBalancer(props: KafkaGatewayProps, vpc: ec2.IVpc, port: number): elbv2.NetworkLoadBalancer {
    const loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: props.internetFacing ?? false,
      crossZoneEnabled: true,
    });
    if (props.storage.accessLogsBucket) loadBalancer.logAccessLogs(props.storage.accessLogsBucket, 'kafka-gateway');
    else acknowledge(loadBalancer, 'AwsSolutions-ELB2', 'Server access logs were turned off for the platform (serverAccessLogs: false).');
    const listener = loadBalancer.addListener('Tls', {
      port,
      protocol: elbv2.Protocol.TLS,
      certificates: [props.certificate],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
    listener.addTargets('Tasks', {
      port: GATEWAY_CONTAINER_PORT,
      protocol: elbv2.Protocol.TCP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10) },
    });
    return loadBalancer;
  }

  private newVpc(settings: PlatformSettings): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', { retention: settings.logRetention, removalPolicy: settings.logRemoval });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
    return vpc;
  }
}
