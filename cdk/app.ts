// `cdk synth` / `cdk deploy` entry (cdk.json: "npx tsx cdk/app.ts"). Context:
//   -c stackName=Sluice  -c dev=true  -c apiType=rest  -c auth=jwt -c jwtIssuer=... -c jwtAudience=...
//   -c throttleRate=1000 -c throttleBurst=2000  -c architecture=x86_64
import { App } from 'aws-cdk-lib';
import { buildSluiceApp } from './stack.ts';

const app = new App();
buildSluiceApp(app);
app.synth();
