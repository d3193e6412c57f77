// zk_ensemble: a real ZooKeeper ensemble for tests, started by scripts/zookeeper.sh in a temporary
// folder on free loopback ports and stopped by PID; plus a small thread-safe event queue.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

namespace sluice::testing {

// Why no ensemble can run here (no java or no ZooKeeper jar), or "" when one can.
inline std::string zookeeper_missing() {
  if (std::system("command -v java >/dev/null 2>&1") != 0) return "java is not installed";
  if (!std::filesystem::exists("/usr/share/java/zookeeper.jar")) {
    return "/usr/share/java/zookeeper.jar is missing (Debian package zookeeper)";
  }
  return "";
}

inline bool port_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  // As the JVM's listeners do: a port held only by TIME-WAIT connections is usable.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Not thread-safe; the ensemble's processes are stopped (TERM, then KILL) when it is destroyed.
class zk_ensemble {
 public:
  // Starts `nodes` nodes (ZooKeeper tick `tick_ms`); on failure returns null and sets *why.
  static std::unique_ptr<zk_ensemble> start(int nodes, int tick_ms, std::string* why) {
    auto dir = std::filesystem::temp_directory_path() /
               ("sluice-zk-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::unique_ptr<zk_ensemble> e(new zk_ensemble(dir, nodes));
    std::mt19937 rng(std::random_device{}());
    // Ports below the kernel's ephemeral range, so outgoing connections cannot take them meanwhile.
    int low = 10000, high = 32000;
    {
      std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
      int first = 0, last = 0;
      if (range >> first >> last && first > low + 1000) high = std::min(high, first - 1);
    }
    *why = "no " + std::to_string(3 * nodes) + " free consecutive ports in " + std::to_string(low) + ".." +
           std::to_string(high);
    for (int attempt = 0; attempt < 20; ++attempt) {
      // 3n consecutive free loopback ports.
      int base = low + static_cast<int>(rng() % static_cast<unsigned>(high - low - 3 * nodes));
      bool free = true;
      for (int p = base; p < base + 3 * nodes && free; ++p) free = port_free(p);
      if (!free) continue;
      std::string cmd = "SLUICE_ZK_TICK_MS=" + std::to_string(tick_ms) + " " + script() + " up " +
                        dir.string() + " " + std::to_string(nodes) + " " + std::to_string(base) + " >" +
                        (dir / "up.out").string() + " 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        std::ifstream in(dir / "connect");
        std::getline(in, e->connect_);
        e->base_port_ = base;
        e->start_reaper();
        return e;
      }
      std::ifstream out(dir / "up.out");
      std::stringstream ss;
      ss << out.rdbuf();
      *why = "scripts/zookeeper.sh up failed: " + ss.str();
      // A port taken between our check and the JVM's bind: try other ports.
      if (ss.str().find("in use") == std::string::npos &&
          ss.str().find("BindException") == std::string::npos) {
        return nullptr;
      }
    }
    return nullptr;
  }

  ~zk_ensemble() {
    std::string cmd = script() + " down " + dir_.string() + " >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
    std::error_code ec;
    if (std::getenv("SLUICE_KEEP_ZK_DIR") == nullptr) std::filesystem::remove_all(dir_, ec);
  }

  const std::string& connect() const { return connect_; }
  const std::filesystem::path& dir() const { return dir_; }
  int client_port(int node) const { return base_port_ + node - 1; }
  // The node (1..n) whose client port is `port`, or 0.
  int node_of_port(int port) const {
    int n = port - base_port_ + 1;
    return n >= 1 && n <= nodes_ ? n : 0;
  }

  pid_t pid(int node) const {
    std::ifstream in(dir_ / ("zk-" + std::to_string(node) + ".pid"));
    pid_t p = 0;
    in >> p;
    return p;
  }
  void signal(int node, int sig) const {
    pid_t p = pid(node);
    if (p > 0) ::kill(p, sig);
  }
  // SIGKILLs the node and waits (bounded) until its process is gone.
  bool kill_node(int node) const {
    pid_t p = pid(node);
    if (p <= 0) return false;
    ::kill(p, SIGKILL);
    for (int i = 0; i < 100; ++i) {
      if (::kill(p, 0) != 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  // If this process dies without running the destructor (a crash, a ctest timeout), a detached
  // shell stops the ensemble by PID and removes its folder once the process is gone.
  void start_reaper() const {
    std::string cleanup = script() + " down " + dir_.string();
    if (std::getenv("SLUICE_KEEP_ZK_DIR") == nullptr) cleanup += "; rm -rf " + dir_.string();
    std::string cmd = "setsid bash -c 'while kill -0 " + std::to_string(::getpid()) +
                      " 2>/dev/null; do sleep 1; done; [ -d " + dir_.string() + " ] && { " + cleanup +
                      "; }' >/dev/null 2>&1 </dev/null &";
    (void)std::system(cmd.c_str());
  }

  zk_ensemble(std::filesystem::path dir, int nodes) : dir_(std::move(dir)), nodes_(nodes) {}
  static std::string script() { return std::string(SLUICE_SOURCE_DIR) + "/scripts/zookeeper.sh"; }
  static int& counter() {
    static int c = 0;
    return c;
  }

  std::filesystem::path dir_;
  int nodes_ = 0;
  int base_port_ = 0;
  std::string connect_;
};

// A queue that callbacks on other threads push to and the test pops from with a deadline.
template <class T>
class event_queue {
 public:
  void push(T v) {
    std::lock_guard lk(mu_);
    q_.push_back(std::move(v));
    cv_.notify_all();
  }
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, timeout, [&] { return !q_.empty(); })) return std::nullopt;
    T v = std::move(q_.front());
    q_.pop_front();
    return v;
  }
  // Pops until an element equal to `want` (true) or the deadline (false).
  bool wait_for(const T& want, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto v = pop(left);
      if (!v) return false;
      if (*v == want) return true;
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> q_;
};

}  // namespace sluice::testing
