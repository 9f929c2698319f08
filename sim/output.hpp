// Output files appear whole or not at all: written to a temporary file beside the target, then
// renamed over it. A streamed output (a trace) goes through a fixed buffer as it is produced, so
// it needs no memory in proportion to its size.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace gilsim {

// Writes `content` to `path` ("-" is stdout; a device or a pipe such as /dev/null is written in
// place; through a symbolic link, the file it points to is replaced). A failure is a UserError
// naming the path.
void write_output(const std::string& path, const std::string& content);

// A file written piece by piece into "<path>.tmp<pid>", renamed to `path` by commit(). Destroyed
// without a commit (an error on the way), it removes its temporary file. A device or a pipe
// (/dev/null) is written in place, as by write_output. Write errors (a full disk) are remembered
// and reported by close(), so callers deep in a simulation never throw.
class StreamedOutput {
 public:
  // Opens the temporary file; a UserError naming `option` and the path if it cannot.
  StreamedOutput(std::string option, std::string path);
  ~StreamedOutput();
  StreamedOutput(const StreamedOutput&) = delete;
  StreamedOutput& operator=(const StreamedOutput&) = delete;

  const std::string& path() const { return path_; }

  void write(std::string_view text) {
    buffer_.append(text.data(), text.data() + text.size());
    if (buffer_.size() >= kFlushAt) flush();
  }
  template <typename... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(fmt::appender(buffer_), format, std::forward<Args>(args)...);
    if (buffer_.size() >= kFlushAt) flush();
  }

  // Flushes and closes the temporary file; a UserError if any write failed.
  void close();
  // close(), then renames the temporary file to the path.
  void commit();

 private:
  static constexpr std::size_t kBufferBytes = 64 * 1024;
  static constexpr std::size_t kFlushAt = kBufferBytes - 4 * 1024;  // room for one more event
  void flush();
  [[noreturn]] void fail(const std::string& what);

  std::string option_;
  std::string path_;
  bool in_place_ = false;  // a device or a pipe: written directly
  std::string target_;     // what the temporary file is renamed to (a link's target)
  std::string temp_;
  std::FILE* file_ = nullptr;
  int write_errno_ = 0;  // the first failed write's errno
  bool committed_ = false;
  fmt::basic_memory_buffer<char, kBufferBytes> buffer_;
};

}  // namespace gilsim
