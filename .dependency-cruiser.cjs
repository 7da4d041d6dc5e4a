/**
 * Import cycles, type-only ones included: eslint-plugin-import-x's no-cycle skips
 * `import type`, yet a type cycle (http/app.ts ↔ its route files) tangles the graph a
 * newcomer reads just the same. The layer rules live in eslint.config.js.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere: put what both sides need (shared types, say) in its own file.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (see above).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^test/fixtures/lint/' },
  },
};
