// Entry points of the individual CLI commands. Each takes argv with argv[0] == the command name
// and returns the process exit code (see common.h).
#pragma once

namespace sluice::cli {

int topic_main(int argc, const char* const* argv);
int produce_main(int argc, const char* const* argv);
int consume_main(int argc, const char* const* argv);
int config_main(int argc, const char* const* argv);
int group_main(int argc, const char* const* argv);
int bench_main(int argc, const char* const* argv);
int cluster_main(int argc, const char* const* argv);

}  // namespace sluice::cli
