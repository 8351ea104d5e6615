/**
 * CDK composition root. `cdk synth -c env=NAME` synthesizes one environment (`config/NAME.json`),
 * `-c config=FILE` any config file, and no context every environment in `config/`.
 * A bad config prints every problem (field, value received, what was expected) and exits 1.
 */
import { App } from 'aws-cdk-lib';
import { PlatformConfigError, buildApp, loadPlatformConfigs } from '../lib/platform';

const app = new App();

function contextString(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined ? undefined : String(value);
}

try {
  const configs = loadPlatformConfigs({ env: contextString('env'), config: contextString('config') });
  buildApp(app, configs);
} catch (error) {
  if (!(error instanceof PlatformConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
app.synth();
