// A sweep as an SVG picture that opens in any browser: speed-up over serial (or wall time)
// against the swept axis, one line per strategy, on a log2 axis when the values grow
// geometrically (1, 2, 4, ... cores); with two swept axes, a heat-map per strategy.
// Hand-written SVG 1.1, no scripts and no external fonts; every drawn value also carries its
// numbers in data-* attributes, so tests (and tools) can read the picture back.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "sweep.hpp"

namespace gilsim {

enum class PlotMetric {
  automatic,  // speed-up when the sweep has a serial baseline, else wall time
  speedup,
  wall,
};

PlotMetric parse_plot_metric(std::string_view text);  // "auto", "speedup", "wall"

// Before a sweep runs: can its result be plotted? One or two swept axes; a speed-up needs
// serial runs (a "program" scenario has none). A UserError says what to change.
void check_plot(std::size_t swept_axes, PlotMetric metric, bool has_serial_baseline);

std::string plot_svg(const SweepResult& sweep, PlotMetric metric);

}  // namespace gilsim
