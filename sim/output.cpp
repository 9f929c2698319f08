#include "output.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gilsim/error.hpp"

namespace gilsim {

namespace {

// A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written in place: renaming a file
// over it would replace the device node itself.
void write_in_place(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.flush();
  if (!out) throw UserError(path, "cannot write the output", "check that it is writable");
}

}  // namespace

void write_output(const std::string& requested, const std::string& content) {
  if (requested == "-") {
    std::cout << content << std::flush;
    return;
  }
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(requested, error);  // follows symbolic links
  if (!error && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_directory(status))
    return write_in_place(requested, content);
  // Through a symbolic link, replace the file it points to, not the link.
  fs::path path = requested;
  for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(path, error)); ++hops) {
    const fs::path target = fs::read_symlink(path, error);
    if (error) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  const std::string temp = path.string() + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      std::remove(temp.c_str());
      throw UserError(requested, "cannot write the output file",
                      "check that its directory exists and is writable");
    }
  }
  fs::rename(temp, path, error);
  if (error) {
    std::remove(temp.c_str());
    throw UserError(requested, "cannot write the output file: " + error.message(),
                    "check that its directory exists and is writable");
  }
}

}  // namespace gilsim
