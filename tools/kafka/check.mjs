// Readiness probe used by tools/kafka/start.sh: `node tools/kafka/check.mjs <host:port> [deadlineEpochSeconds]`.
// Retries a kafkajs admin describeCluster until it succeeds (exit 0, prints the cluster) or the deadline passes
// (exit 1). Run from the repo root so `kafkajs` resolves from node_modules.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:9092';
const deadline = Number(process.argv[3] ?? Math.floor(Date.now() / 1000) + 30) * 1000;

let lastError;
while (Date.now() < deadline) {
  const kafka = new Kafka({
    clientId: 'weir-kafka-check',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    if (cluster.brokers.length > 0 && cluster.controller !== null && cluster.controller !== undefined) {
      console.log(JSON.stringify(cluster));
      process.exit(0);
    }
    lastError = new Error(`cluster not ready yet: ${JSON.stringify(cluster)}`);
  } catch (err) {
    lastError = err;
    await admin.disconnect().catch(() => {});
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.error(`kafka check: ${broker} did not answer: ${lastError?.message ?? 'timeout'}`);
process.exit(1);
