// Atomic replacement of small metadata files with POSIX calls.
#include "cluster/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::cluster {
namespace {

error sys_error(const std::string& what, const std::string& path) {
  const int e = errno;
  return make_error(e == ENOSPC ? errc::no_space : errc::io_error,
                    what + " " + path + ": " + std::strerror(e), e);
}

result<void> write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", path);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

result<void> write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("open", tmp);
  auto w = write_all(fd, contents, tmp);
  if (w.ok() && ::fsync(fd) != 0) w = sys_error("fsync", tmp);
  ::close(fd);
  if (!w.ok()) {
    ::unlink(tmp.c_str());
    return w;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("rename", tmp);
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

result<std::string> read_small_file(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return make_error(errc::not_found, path + " does not exist");
    return sys_error("open", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = sys_error("read", path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return make_error(errc::corruption, path + " is larger than expected");
    }
  }
  ::close(fd);
  return out;
}

}  // namespace sluice::cluster
