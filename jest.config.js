/** Jest runs TypeScript through SWC (type checking is `tsc --noEmit`, run separately in CI). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // hyparquet, hyparquet-compressors and hyparquet-writer ship ES modules only (see transformIgnorePatterns).
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // hyparquet and its companions ship ES modules only; let SWC turn them into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors|hyparquet-writer|hysnappy)/)'],
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  testTimeout: 60_000,
};
