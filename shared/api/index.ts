export * from './errors.ts';
export * from './pipelines.ts';
export * from './deployments.ts';
export * from './info.ts';
