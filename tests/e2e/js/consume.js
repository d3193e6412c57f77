// Consumes a topic from the beginning with a kafkajs consumer group until `expected` messages
// arrived, writing them as JSON lines. kafkajs has no manual assignment, so this needs the
// broker's group coordinator (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetFetch).
// Usage: node consume.js '{"brokers":[..],"topic":..,"expected":n,"output":..,"groupId":..,"timeoutMs":..}'
// Output lines: {"p": partition, "o": offset, "k": key|null, "v": value|null, "ts": ms, "h": [[name, value], ..]}.
'use strict'
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')
const { registerCodecs } = require('./codecs')

function headerPairs(headers) {
  const out = []
  for (const [k, v] of Object.entries(headers || {})) {
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, one === null || one === undefined ? null : one.toString('utf8')])
  }
  return out
}

async function main() {
  const args = JSON.parse(process.argv[2])
  registerCodecs()
  const kafka = new Kafka({
    clientId: 'sluice-e2e-kafkajs',
    brokers: args.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 5 },
  })
  const consumer = kafka.consumer({ groupId: args.groupId, maxBytes: 16 << 20 })
  const out = fs.openSync(args.output, 'w')
  let count = 0
  let finish
  const done = new Promise(resolve => { finish = resolve })
  const timer = setTimeout(() => {
    console.error(`consume.js: ${count} of ${args.expected} messages after ${args.timeoutMs} ms`)
    process.exit(3)
  }, args.timeoutMs)
  consumer.on(consumer.events.CRASH, e => {
    console.error('consumer crashed:', e.payload && e.payload.error)
    // kafkajs restarts the consumer after retriable errors; anything else is final.
    if (!e.payload || e.payload.restart === false) process.exit(2)
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [args.topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const lines = []
      for (const m of batch.messages) {
        lines.push(JSON.stringify({
          p: batch.partition,
          o: m.offset,
          k: m.key === null ? null : m.key.toString('utf8'),
          v: m.value === null ? null : m.value.toString('utf8'),
          ts: m.timestamp,
          h: headerPairs(m.headers),
        }))
      }
      if (lines.length) fs.writeSync(out, lines.join('\n') + '\n')
      count += lines.length
      if (count >= args.expected) finish()
    },
  })
  await done
  await consumer.disconnect()
  fs.closeSync(out)
  clearTimeout(timer)
  console.log(JSON.stringify({ consumed: count }))
}

main().catch(e => {
  console.error('consume.js failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
