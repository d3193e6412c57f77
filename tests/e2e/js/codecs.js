// Registers kafkajs compression codecs: gzip is built in; snappy, lz4 and zstd come from packages.
//
// @kafkajs/zstd is not used: its native dependency (cppzst 2.0.6) does not compile against
// Node 20 headers, so zstd goes through zstd-napi with the small adapter below.
'use strict'
const { CompressionTypes, CompressionCodecs } = require('kafkajs')

const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
}

function zstdCodec() {
  const zstd = require('zstd-napi')
  return () => ({
    async compress(encoder) {
      return zstd.compress(encoder.buffer)
    },
    async decompress(buffer) {
      return zstd.decompress(buffer)
    },
  })
}

function registerCodecs() {
  CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy')
  const LZ4Codec = require('kafkajs-lz4')
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec()
}

function codecType(name) {
  if (!(name in CODECS)) throw new Error(`unknown codec ${name}`)
  return CODECS[name]
}

module.exports = { registerCodecs, codecType }
