// supported_apis: the API ranges this broker advertises in ApiVersions.
#pragma once

#include <vector>

#include "protocol/generated/api_versions.h"

namespace sluice::broker {

// Every API that has both a schema and a handler, with the schema's version range.
std::vector<protocol::api_versions_response::api_version> advertised_api_versions();

}  // namespace sluice::broker
