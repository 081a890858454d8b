/** Types of reference-tasks.mjs, for the reference server written in TypeScript. */
export declare const PAGE_QUERY: string;
export declare const ORGANIZATION_QUERY: string;
export declare const TOOL_DESCRIPTION: string;
export declare function pageResult(rows: Record<string, unknown>[], limit: number, offset: number): { content: { type: "text"; text: string }[]; structuredContent: Record<string, unknown> };
