/**
 * `GET /api/info` → `ServerInfo`: what this server offers the editor, so the Deploy button shows only what works —
 * the Flink target only when the server has a Flink cluster to deploy to.
 */
import type { DeploymentTarget } from './deployments.ts';

export interface ServerInfo {
  /** Deployments are enabled (the server has Kafka); when false every /api/deployments call is 503 E_UNAVAILABLE. */
  deployments: boolean;
  /** The targets `POST /api/deployments` accepts: always "weir" when deployments are enabled, "flink" when configured. */
  targets: DeploymentTarget[];
  /** The Flink cluster behind the "flink" target (FLINK_REST_URL, or WEIR_FLINK=local); null without one. */
  flink: { restUrl: string } | null;
}
