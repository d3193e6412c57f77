// The real POSIX implementation of storage::file_system (open/pread/pwritev/fdatasync/...).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "storage/file_system.h"

namespace sluice::storage {

error errno_error(int err, const std::string& what) {
  errc code = errc::io_error;
  if (err == ENOSPC || err == EDQUOT)
    code = errc::no_space;
  else if (err == ENOENT)
    code = errc::not_found;
  else if (err == EEXIST)
    code = errc::already_exists;
  return make_error(code, fmt::format("{}: {}", what, std::strerror(err)), err);
}

namespace {

class posix_file final : public file {
 public:
  posix_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~posix_file() override { ::close(fd_); }

  int fd() const override { return fd_; }
  const std::string& path() const override { return path_; }

  result<size_t> pread(std::span<uint8_t> out, int64_t offset) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, offset + static_cast<int64_t>(done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error(errno, fmt::format("pread {} at {}", path_, offset));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  result<void> pwritev(std::span<const std::span<const uint8_t>> parts, int64_t offset) override {
    // Small fixed iovec array: callers pass one or a few parts.
    constexpr size_t max_iov = 64;
    if (parts.size() > max_iov) {
      for (auto p : parts) {
        auto r = pwritev(std::span<const std::span<const uint8_t>>(&p, 1), offset);
        if (!r) return r;
        offset += static_cast<int64_t>(p.size());
      }
      return {};
    }
    iovec iov[max_iov];
    int cnt = 0;
    for (auto p : parts) {
      if (p.empty()) continue;
      iov[cnt].iov_base = const_cast<uint8_t*>(p.data());
      iov[cnt].iov_len = p.size();
      ++cnt;
    }
    int first = 0;
    while (first < cnt) {
      ssize_t n = ::pwritev(fd_, iov + first, cnt - first, offset);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_error(errno, fmt::format("pwrite {} at {}", path_, offset));
      }
      offset += n;
      // Skip the fully written iovecs, trim the partially written one (short write).
      size_t left = static_cast<size_t>(n);
      while (first < cnt && left >= iov[first].iov_len) {
        left -= iov[first].iov_len;
        ++first;
      }
      if (first < cnt) {
        iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
    }
    return {};
  }

  result<void> fdatasync() override {
    if (::fdatasync(fd_) != 0) return errno_error(errno, "fdatasync " + path_);
    return {};
  }

  result<void> ftruncate(int64_t size) override {
    if (::ftruncate(fd_, size) != 0)
      return errno_error(errno, fmt::format("ftruncate {} to {}", path_, size));
    return {};
  }

  result<int64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno_error(errno, "fstat " + path_);
    return static_cast<int64_t>(st.st_size);
  }

 private:
  int fd_;
  std::string path_;
};

class posix_file_system final : public file_system {
 public:
  result<std::shared_ptr<file>> open(const std::string& path, open_mode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case open_mode::read_only:
        flags |= O_RDONLY;
        break;
      case open_mode::read_write:
        flags |= O_RDWR;
        break;
      case open_mode::create:
        flags |= O_RDWR | O_CREAT;
        break;
      case open_mode::create_exclusive:
        flags |= O_RDWR | O_CREAT | O_EXCL;
        break;
      case open_mode::create_truncate:
        flags |= O_RDWR | O_CREAT | O_TRUNC;
        break;
    }
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return errno_error(errno, "open " + path);
    return std::shared_ptr<file>(std::make_shared<posix_file>(fd, path));
  }

  result<void> rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return errno_error(errno, "rename " + from + " -> " + to);
    return {};
  }

  result<void> unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return errno_error(errno, "unlink " + path);
    return {};
  }

  result<std::vector<std::string>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return errno_error(errno, "opendir " + dir);
    std::vector<std::string> names;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
      std::string_view n(e->d_name);
      if (n != "." && n != "..") names.emplace_back(n);
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return errno_error(err, "readdir " + dir);
    return names;
  }

  result<void> mkdir(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return errno_error(ec.value(), "mkdir " + path);
    return {};
  }

  result<void> remove_all(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) return errno_error(ec.value(), "remove_all " + path);
    return {};
  }

  result<bool> exists(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return errno_error(errno, "stat " + path);
  }

  result<int64_t> size(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno_error(errno, "stat " + path);
    return static_cast<int64_t>(st.st_size);
  }

  result<int64_t> mtime_ms(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno_error(errno, "stat " + path);
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
  }

  result<void> sync_dir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_error(errno, "open dir " + path);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return errno_error(err, "fsync dir " + path);
    return {};
  }
};

}  // namespace

std::unique_ptr<file_system> make_posix_file_system() { return std::make_unique<posix_file_system>(); }

}  // namespace sluice::storage
