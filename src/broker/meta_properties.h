// meta_properties: <log.dir>/meta.properties (Kafka's format): the cluster id and broker id the
// data directory belongs to (docs/formats/metadata.md).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"

namespace sluice::broker {

struct meta_properties {
  std::string cluster_id;
  int32_t broker_id = 0;
};

// Reads the file, or creates it with a new random cluster id. A data directory that belongs to a
// different broker id is refused (errc::invalid_argument), as Kafka does.
result<meta_properties> load_or_create_meta_properties(const std::string& data_dir, int32_t broker_id);

}  // namespace sluice::broker
