// Produces the JSON-lines messages of a file with kafkajs, in order, one codec per run.
// Usage: node produce.js '{"brokers":[..],"topic":..,"codec":..,"input":..,"timeoutMs":..}'
// Input lines: {"k": key|null, "v": value, "h": [[name, value], ..], "ts": ms}.
// Prints one JSON line: {"sent": n, "partitions": {p: [firstOffset, ..]}}.
'use strict'
const fs = require('fs')
const readline = require('readline')
const { Kafka, logLevel } = require('kafkajs')
const { registerCodecs, codecType } = require('./codecs')

const CHUNK = 5000

function toHeaders(pairs) {
  // Repeated names become arrays, which kafkajs writes as repeated headers in order.
  const out = {}
  for (const [k, v] of pairs) {
    if (k in out) out[k] = [].concat(out[k], v)
    else out[k] = v
  }
  return out
}

async function main() {
  const args = JSON.parse(process.argv[2])
  registerCodecs()
  const timer = setTimeout(() => {
    console.error(`produce.js: timed out after ${args.timeoutMs} ms`)
    process.exit(3)
  }, args.timeoutMs)
  const kafka = new Kafka({
    clientId: 'sluice-e2e-kafkajs',
    brokers: args.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 5 },
  })
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false })
  await producer.connect()
  const compression = codecType(args.codec)
  const rl = readline.createInterface({ input: fs.createReadStream(args.input), crlfDelay: Infinity })
  let chunk = []
  let sent = 0
  const firstOffsets = {}
  const flush = async () => {
    if (chunk.length === 0) return
    // Sequential sends: a send's batches are acknowledged before the next starts, so the
    // per-partition order is the file order.
    const meta = await producer.send({ topic: args.topic, acks: -1, compression, messages: chunk })
    for (const m of meta) {
      if (m.errorCode !== 0) throw new Error(`partition ${m.partition}: error ${m.errorCode}`)
      ;(firstOffsets[m.partition] = firstOffsets[m.partition] || []).push(m.baseOffset)
    }
    sent += chunk.length
    chunk = []
  }
  for await (const line of rl) {
    if (!line.trim()) continue
    const d = JSON.parse(line)
    chunk.push({ key: d.k, value: d.v, headers: toHeaders(d.h), timestamp: String(d.ts) })
    if (chunk.length >= CHUNK) await flush()
  }
  await flush()
  await producer.disconnect()
  clearTimeout(timer)
  console.log(JSON.stringify({ sent, partitions: firstOffsets }))
}

main().catch(e => {
  console.error('produce.js failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
