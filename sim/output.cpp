#include "output.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "gilsim/error.hpp"

namespace gilsim {

void write_output(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::cout << content << std::flush;
    return;
  }
  const std::string temp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      std::remove(temp.c_str());
      throw UserError(path, "cannot write the output file",
                      "check that its directory exists and is writable");
    }
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::remove(temp.c_str());
    throw UserError(path, "cannot write the output file: " + error.message(),
                    "check that its directory exists and is writable");
  }
}

}  // namespace gilsim
