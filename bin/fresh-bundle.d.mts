/** The path of build/cli/bin/<name> when it exists and is newer than src/, else null. */
export function freshBundle(name: string): string | null;
