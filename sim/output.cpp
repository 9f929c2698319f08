#include "output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gilsim/error.hpp"

namespace gilsim {

namespace {

namespace fs = std::filesystem;

constexpr const char* kWritableHint = "check that its directory exists and is writable";

// Where an output really goes. A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in
// place: renaming a file over it would replace the device node itself. Through a symbolic link,
// the file it points to is replaced, not the link.
struct Destination {
  std::string path;  // the file written in place, or renamed over
  bool in_place = false;
};

Destination destination_of(const std::string& requested) {
  std::error_code error;
  const fs::file_status status = fs::status(requested, error);  // follows symbolic links
  if (!error && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status))
    return {requested, true};
  fs::path path = requested;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(path, error)); ++hops) {
    const fs::path target = fs::read_symlink(path, error);
    if (error) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return {path.string(), false};
}

std::string temp_path(const std::string& path) {
  return path + ".tmp" + std::to_string(::getpid());
}

void write_in_place(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.flush();
  if (!out) throw UserError(path, "cannot write the output", "check that it is writable");
}

// Renames `temp` over `path`, or removes it and throws a UserError located at `where`.
void rename_into_place(const std::string& temp, const std::string& where, const std::string& path,
                       const std::string& what) {
  std::error_code error;
  fs::rename(temp, path, error);
  if (error) {
    std::remove(temp.c_str());
    throw UserError(where, "cannot write the " + what + ": " + error.message(), kWritableHint);
  }
}

}  // namespace

void write_output(const std::string& requested, const std::string& content) {
  if (requested == "-") {
    std::cout << content << std::flush;
    return;
  }
  const Destination to = destination_of(requested);
  if (to.in_place) return write_in_place(requested, content);
  const std::string temp = temp_path(to.path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      std::remove(temp.c_str());
      throw UserError(requested, "cannot write the output file", kWritableHint);
    }
  }
  rename_into_place(temp, requested, to.path, "output file");
}

StreamedOutput::StreamedOutput(std::string option, std::string path)
    : option_(std::move(option)), path_(std::move(path)) {
  std::error_code ignored;
  if (path_ == "-" || fs::is_directory(path_, ignored))
    throw UserError(option_,
                    fmt::format("cannot write to \"{}\": {}", path_,
                                path_ == "-" ? "this output needs a file" : "it is a directory"),
                    "give a file name, e.g. " + option_ + " out.json");
  const Destination to = destination_of(path_);
  in_place_ = to.in_place;
  target_ = to.path;
  temp_ = in_place_ ? to.path : temp_path(to.path);
  file_ = std::fopen(temp_.c_str(), "wb");
  if (file_ == nullptr)
    throw UserError(option_, fmt::format("cannot write \"{}\": {}", path_, std::strerror(errno)),
                    kWritableHint);
  std::setvbuf(file_, nullptr, _IONBF, 0);  // the buffer here is the only one
}

StreamedOutput::~StreamedOutput() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_ && !in_place_) std::remove(temp_.c_str());
}

void StreamedOutput::flush() {
  if (file_ == nullptr) return;
  if (write_errno_ == 0 && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    write_errno_ = errno != 0 ? errno : EIO;
  buffer_.clear();
}

void StreamedOutput::fail(const std::string& what) {
  throw UserError(option_, fmt::format("cannot write \"{}\": {}", path_, what),
                  "check the free space and permissions of its directory");
}

void StreamedOutput::close() {
  if (file_ == nullptr) return;
  flush();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (write_errno_ != 0) fail(std::strerror(write_errno_));
  if (!closed) fail(std::strerror(errno));
}

void StreamedOutput::commit() {
  close();
  if (!in_place_) rename_into_place(temp_, option_, target_, "file \"" + path_ + "\"");
  committed_ = true;
}

}  // namespace gilsim
