// The AWS SDK warns at load on Node 20 that future releases need Node 22; tests pin the SDK in the lockfile.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Synth in tests skips the per-construct property validation pass (it is covered by cfn-lint in CI).
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';
