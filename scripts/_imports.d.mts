/** The static and dynamic import specifiers of a tsc-emitted JavaScript file. */
export function importsOf(file: string): string[];
