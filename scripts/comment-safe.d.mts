export function withoutCommentEnds(code: string): string;
