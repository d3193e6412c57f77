// One kafkajs 2.2.4 group consumer as an OS process, writing the same JSON-lines events as
// harness/group_worker.py: "start", "assign" (kafkajs is eager: each GROUP_JOIN carries the
// member's whole assignment, inc=false), "recs" (written synchronously before kafkajs resolves
// and auto-commits the offsets), "error", "closed". SIGTERM disconnects cleanly (commit,
// LeaveGroup); SIGKILL is the crash.
// Usage: node group_worker.js '{"bootstrap":..,"topics":[..],"group":..,"out":..,"name":..,
//                               "session_ms":6000,"heartbeat_ms":1000}'
'use strict'
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

const args = JSON.parse(process.argv[2])
const fd = fs.openSync(args.out, 'a')

function log(ev, fields) {
  const line = JSON.stringify(Object.assign({ t: Date.now() / 1000, ev }, fields || {}))
  fs.writeSync(fd, line + '\n')
}

async function main() {
  log('start', { pid: process.pid })
  const kafka = new Kafka({
    clientId: `${args.name || 'w'}-0`,
    brokers: [args.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  })
  const consumer = kafka.consumer({
    groupId: args.group,
    sessionTimeout: args.session_ms || 6000,
    heartbeatInterval: args.heartbeat_ms || 1000,
    rebalanceTimeout: args.rebalance_ms || 30000,
    maxWaitTimeInMs: 200,
    retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
  })
  consumer.on(consumer.events.GROUP_JOIN, e => {
    const tps = []
    const a = (e.payload && e.payload.memberAssignment) || {}
    for (const [topic, parts] of Object.entries(a)) for (const p of parts) tps.push([topic, p])
    log('assign', { m: 0, inc: false, tps, gen: null, mid: e.payload.memberId })
  })
  consumer.on(consumer.events.CRASH, e => {
    const err = e.payload && e.payload.error
    log('error', { m: 0, what: `crash: ${err && err.message} restart=${e.payload && e.payload.restart}` })
  })
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    try {
      await consumer.disconnect()
    } finally {
      log('closed', { m: 0 })
      fs.closeSync(fd)
      process.exit(0)
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  await consumer.connect()
  await consumer.subscribe({ topics: args.topics, fromBeginning: true })
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 500,
    eachBatch: async ({ batch }) => {
      const r = batch.messages.map(m => [batch.topic, batch.partition, Number(m.offset),
        m.key === null ? null : m.key.toString('utf8')])
      if (r.length) log('recs', { m: 0, r })
    },
  })
}

main().catch(e => {
  log('error', { m: 0, what: `group_worker.js failed: ${e && e.stack ? e.stack : e}` })
  process.exit(1)
})
