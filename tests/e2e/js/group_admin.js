// Runs a list of kafkajs 2.2.4 admin group operations in order and prints their results as one
// JSON line, so pytest can check what a kafkajs admin sees of the broker's groups.
// Usage: node group_admin.js '{"brokers":[..],"ops":[{"op":"listGroups"} | {"op":"describeGroups","groupIds":[..]}
//                              | {"op":"deleteGroups","groupIds":[..]} | {"op":"fetchOffsets","groupId":..,"topics":[..]}],
//                              "timeoutMs":..}'
// Output: {"results": [..]} with one entry per op; a failed op gives {"error": name, "message": ..,
// "groups": [{groupId, errorCode}]} (deleteGroups reports per-group failures that way).
'use strict'
const { Kafka, logLevel } = require('kafkajs')

function bufferToArray(b) {
  return b ? Array.from(b) : null
}

async function runOp(admin, op) {
  switch (op.op) {
    case 'listGroups':
      return admin.listGroups()
    case 'describeGroups': {
      const r = await admin.describeGroups(op.groupIds)
      for (const g of r.groups) {
        for (const m of g.members) {
          m.memberMetadata = bufferToArray(m.memberMetadata)
          m.memberAssignment = bufferToArray(m.memberAssignment)
        }
      }
      return r
    }
    case 'deleteGroups':
      return admin.deleteGroups(op.groupIds)
    case 'fetchOffsets':
      return admin.fetchOffsets({ groupId: op.groupId, topics: op.topics })
    default:
      throw new Error(`unknown op ${op.op}`)
  }
}

async function main() {
  const args = JSON.parse(process.argv[2])
  const timer = setTimeout(() => {
    console.error(`group_admin.js: timed out after ${args.timeoutMs} ms`)
    process.exit(3)
  }, args.timeoutMs)
  const kafka = new Kafka({
    clientId: 'sluice-e2e-kafkajs-admin',
    brokers: args.brokers,
    logLevel: logLevel.ERROR,
    retry: { retries: 2 },
  })
  const admin = kafka.admin()
  await admin.connect()
  const results = []
  for (const op of args.ops) {
    try {
      results.push(await runOp(admin, op))
    } catch (e) {
      results.push({
        error: e.name,
        message: e.message,
        groups: (e.groups || []).map(g => ({ groupId: g.groupId, errorCode: g.errorCode })),
      })
    }
  }
  await admin.disconnect()
  clearTimeout(timer)
  console.log(JSON.stringify({ results }))
}

main().catch(e => {
  console.error('group_admin.js failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
