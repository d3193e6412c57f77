// meta_properties: read or create the data directory's identity file.
#include "broker/meta_properties.h"

#include <charconv>
#include <sstream>

#include "base/uuid.h"
#include "cluster/atomic_file.h"

namespace sluice::broker {

result<meta_properties> load_or_create_meta_properties(const std::string& data_dir, int32_t broker_id) {
  const std::string path = data_dir + "/meta.properties";
  auto text = cluster::read_small_file(path, 65536);
  if (!text.ok()) {
    if (text.err().code != errc::not_found) return text.err();
    meta_properties m{uuid_to_string(random_uuid()), broker_id};
    std::string body =
        "#\n# Written by sluice: the identity of this data directory.\n#\nversion=0\nbroker.id=" +
        std::to_string(broker_id) + "\ncluster.id=" + m.cluster_id + "\n";
    if (auto w = cluster::write_file_atomically(path, body); !w.ok()) return w.err();
    return m;
  }
  meta_properties m;
  bool have_broker = false;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "cluster.id") m.cluster_id = value;
    if (key == "broker.id") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), m.broker_id);
      have_broker = ec == std::errc();
    }
  }
  if (m.cluster_id.empty()) return make_error(errc::corruption, path + " has no cluster.id");
  if (have_broker && m.broker_id != broker_id) {
    return make_error(errc::invalid_argument, "data directory " + data_dir + " belongs to broker.id " +
                                                  std::to_string(m.broker_id) + ", not " +
                                                  std::to_string(broker_id));
  }
  m.broker_id = broker_id;
  return m;
}

}  // namespace sluice::broker
