#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace gilsim {

namespace {

constexpr int kBarWidth = 24;

std::string remaining(double seconds) {
  if (seconds < 60) return fmt::format("{:.0f} s", std::max(seconds, 1.0));
  if (seconds < 3600) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void ProgressLine::show(std::size_t done, std::size_t total, std::string_view unit,
                        double share_done) {
  if (!enabled_) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  share_done = std::clamp(share_done, 0.0, 1.0);
  const int filled = static_cast<int>(share_done * kBarWidth);
  const std::string eta = share_done > 0 && share_done < 1
                              ? ", ETA " + remaining(elapsed * (1 - share_done) / share_done)
                              : "";
  const std::string line =
      fmt::format("\r{} [{}{}] {}/{} {}{}\033[K", label_, std::string(filled, '#'),
                  std::string(kBarWidth - filled, '.'), done, total, unit, eta);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace gilsim
