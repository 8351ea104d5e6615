/** Jest runs TypeScript through SWC (type checking is `tsc --noEmit`, run separately in CI). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // hyparquet ships ES modules only; let SWC turn them into CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|hyparquet-compressors)/)'],
  setupFiles: ['<rootDir>/test/helpers/setup-env.ts'],
  testTimeout: 60_000,
};
