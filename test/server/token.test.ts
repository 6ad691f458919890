import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveToken } from '../../server/src/config.ts';
import { tempDataDir } from './support.ts';

describe('server configuration', () => {
  const dirs: Array<{ remove(): void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
  const fresh = () => {
    const d = tempDataDir();
    dirs.push(d);
    return d.dir;
  };

  it('generates a token on first start, keeps it readable by its owner only, and reuses it on the next start', () => {
    const dir = join(fresh(), 'data');
    const first = resolveToken(dir, {});
    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
    const second = resolveToken(dir, {});
    expect(second).toEqual({ token: first.token, source: 'file' });
  });

  it('gives two data directories two different tokens', () => {
    expect(resolveToken(fresh(), {}).token).not.toBe(resolveToken(fresh(), {}).token);
  });

  it('prefers WEIR_TOKEN over a stored token', () => {
    const dir = fresh();
    resolveToken(dir, {});
    expect(resolveToken(dir, { WEIR_TOKEN: 'from-env' })).toEqual({ token: 'from-env', source: 'env' });
  });

  it('reads the defaults: port 8080, data dir ./.weir, no brokers (start the local one), no Flink', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/app/.weir',
      kafka: null,
      localKafkaPort: 9092,
      limits: {},
      flink: null,
    });
  });

  it('reads the Flink cluster to deploy to: FLINK_REST_URL, or WEIR_FLINK=local on FLINK_REST_PORT', () => {
    expect(loadConfig({ FLINK_REST_URL: 'http://flink-jm:8081/' }).flink).toEqual({
      restUrl: 'http://flink-jm:8081',
      local: false,
    });
    expect(loadConfig({ WEIR_FLINK: 'local' }).flink).toEqual({ restUrl: 'http://127.0.0.1:8081', local: true });
    expect(loadConfig({ WEIR_FLINK: 'local', FLINK_REST_PORT: '18081' }).flink).toEqual({
      restUrl: 'http://127.0.0.1:18081',
      local: true,
    });
    expect(() => loadConfig({ FLINK_REST_URL: 'flink-jm:8081' })).toThrow(
      "FLINK_REST_URL=flink-jm:8081 is not the http(s) address of Flink's REST API, e.g. http://flink-jobmanager:8081",
    );
    expect(() => loadConfig({ WEIR_FLINK: 'yes' })).toThrow('WEIR_FLINK=yes: its one value is "local"');
    expect(() => loadConfig({ WEIR_FLINK: 'local', FLINK_REST_URL: 'http://a:8081' })).toThrow(/not both/);
  });

  it('reads the brokers and their security settings', () => {
    const config = loadConfig(
      {
        PORT: '9000',
        WEIR_DATA_DIR: 'state',
        KAFKA_BROKERS: 'a:9092, b:9093',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'weir',
        KAFKA_SASL_PASSWORD: 'secret',
        KAFKA_CLIENT_ID: 'weir-prod',
      },
      '/srv/app',
    );
    expect(config.port).toBe(9000);
    expect(config.dataDir).toBe('/srv/app/state');
    expect(config.kafka).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'weir-prod',
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'weir', password: 'secret' },
    });
  });

  it('says which file cannot hold the token, and why, when the data directory cannot be used', () => {
    const base = fresh();
    writeFileSync(join(base, 'plain-file'), '');
    const underFile = join(base, 'plain-file', 'data');
    expect(() => resolveToken(underFile, {})).toThrow(ConfigError);
    expect(() => resolveToken(underFile, {})).toThrow(
      `cannot keep the API token in ${join(underFile, 'token')}: a file is in the way of the directory; set WEIR_DATA_DIR`,
    );
    const tokenIsDir = join(base, 'odd');
    mkdirSync(join(tokenIsDir, 'token'), { recursive: true });
    expect(() => resolveToken(tokenIsDir, {})).toThrow(
      `cannot keep the API token in ${join(tokenIsDir, 'token')}: it is a directory`,
    );
  });

  it("reads the deployments' worker heap and user-function budget", () => {
    expect(loadConfig({ WEIR_WORKER_MEMORY_MB: '2048', WEIR_UDF_BUDGET_MS: ' 250 ' }).limits).toEqual({
      workerMemoryMb: 2048,
      udfBudgetMs: 250,
    });
    expect(() => loadConfig({ WEIR_WORKER_MEMORY_MB: '2g' })).toThrow(
      'WEIR_WORKER_MEMORY_MB=2g is not a whole number of megabytes (at least 64)',
    );
    expect(() => loadConfig({ WEIR_UDF_BUDGET_MS: '0' })).toThrow(/WEIR_UDF_BUDGET_MS/);
  });

  it('takes a log level pino knows in WEIR_LOG_LEVEL and refuses another, naming the ones it takes', () => {
    expect(() => loadConfig({ WEIR_LOG_LEVEL: 'debug' })).not.toThrow();
    expect(() => loadConfig({ WEIR_LOG_LEVEL: 'loud' })).toThrow(
      'WEIR_LOG_LEVEL=loud is not a log level: use one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('rejects settings it cannot use with a message that names the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'localhost' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'kerberos' })).toThrow(
      /KAFKA_SASL_MECHANISM/,
    );
    expect(() => loadConfig({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME/);
  });
});
