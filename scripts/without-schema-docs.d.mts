import type { Plugin } from 'esbuild';

export function withoutSchemaDocs(text: string, file?: string): string;
export const withoutSchemaDocsPlugin: Plugin;
