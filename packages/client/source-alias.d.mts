export declare const clientSourceAlias: { find: RegExp; replacement: string }[];
