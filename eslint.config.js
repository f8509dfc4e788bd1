// ESLint with typescript-eslint's type-checked rules over everything TypeScript in the repository.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'src/http/generated/',
      'clients/typescript/schema.ts',
      '.data/',
      'coverage/',
      '.scratch/',
      '.node/',
      '.smoke-*/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // A double assertion silences the type checker entirely; events are typed by the store and
    // narrowed by their stream type, so production code has no use for one.
    files: ['src/**/*.ts', 'projections/**/*.ts', 'bench/**/*.ts', 'migrations/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression > TSAsExpression[typeAnnotation.type='TSUnknownKeyword']",
          message: 'No `as unknown as`: type the value.',
        },
      ],
    },
  },
  {
    // supertest types every response body as `any` (the shape is what a test asserts on, with
    // expect); reading it is not an unsafe use of an untyped value in production code.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The typed client and its tests take their types from the OpenAPI document: a cast would hide
    // the very mismatch they exist to show.
    files: ['clients/**/*.ts', 'test/client/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
