// Types of ensure-built.mjs, for the TypeScript tests that import it.
export declare const root: string;
export declare function newest(path: string): number;
export declare function serverFresh(): boolean;
export declare function webFresh(): boolean;
export declare function ensureBuilt(options?: { server?: boolean; web?: boolean; quiet?: boolean }): void;
export declare function clientFresh(): boolean;
