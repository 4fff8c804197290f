export const chromiumPath: string;
export const quietFlags: string[];
export const webgpuFlags: string[];
export const chromiumArgs: string[];
export function chromiumAvailable(): boolean;
export const installHint: string;
