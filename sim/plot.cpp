// The two pictures: a line plot (one swept axis) and heat-maps (two), of the sweep's rows
// gathered into one series per strategy.
// Colours are Okabe & Ito's colour-blind-safe palette for lines and viridis for heat-maps.
#include "plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

#include "gilsim/error.hpp"
#include "units.hpp"
#include "xml.hpp"

namespace gilsim {

namespace {

constexpr std::array<const char*, 7> kLineColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                     "#E69F00", "#56B4E9", "#000000"};
constexpr const char* kBaselineColour = "#888888";
constexpr std::array<std::array<double, 3>, 5> kViridis = {
    {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
constexpr std::size_t kMaxCategoryLabels = 16;

std::string escape(std::string_view text) { return xml_escape(text); }

std::string value_text(const nlohmann::ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string number(double v) { return fmt::format("{:g}", v); }

std::string axis_title(const Axis& axis) {
  if (axis.name == "switch_interval") return "switch interval";
  return axis.name;
}

// ---- What is plotted: one series per strategy, a value per grid point ----

struct Series {
  std::string label;
  bool baseline = false;                  // serial in a speed-up plot: the line at 1
  std::vector<std::optional<double>> at;  // by grid point; nullopt where there is no value
};

struct Metric {
  bool speedup = true;
  std::string title;  // "speed-up over serial"
  double scale = 1;   // wall: seconds -> the unit shown
  std::string unit;   // "x", "ms", ...
};

// Rows belong to one series when they have the same strategy label, and the same pool size
// where one grid point has the label more than once (threads with 4 and with 8 workers). The
// strategies may differ between points (the defaults depend on the Python version).
std::vector<Series> collect_series(const SweepResult& sweep, bool speedup) {
  const std::size_t strategy = result_column("strategy");
  const std::size_t workers = result_column("workers");
  const std::size_t column = result_column(speedup ? "speedup_vs_serial" : "wall_s");
  std::vector<std::string> keys;
  std::vector<Series> series;
  for (std::size_t begin = 0, end = 0; begin < sweep.rows.size(); begin = end) {
    std::map<std::string, int> at_point;
    for (end = begin; end < sweep.rows.size() && sweep.rows[end].point == sweep.rows[begin].point;
         ++end)
      ++at_point[sweep.rows[end].cells[strategy].get<std::string>()];
    for (std::size_t r = begin; r < end; ++r) {
      const SweepRow& row = sweep.rows[r];
      const std::string name = row.cells[strategy].get<std::string>();
      const bool by_workers = at_point[name] > 1;
      const std::string key = by_workers ? name + "\n" + row.cells[workers].dump() : name;
      auto it = std::find(keys.begin(), keys.end(), key);
      if (it == keys.end()) {
        keys.push_back(key);
        Series s;
        s.label =
            by_workers ? fmt::format("{}, {} workers", name, row.cells[workers].dump()) : name;
        s.baseline = speedup && name == "serial";
        s.at.assign(sweep.grid_points, std::nullopt);
        series.push_back(std::move(s));
        it = keys.end() - 1;
      }
      if (!row.cells[column].is_null())
        series[static_cast<std::size_t>(it - keys.begin())].at[row.point] =
            row.cells[column].get<double>();
    }
  }
  return series;
}

Metric choose_metric(bool speedup, const std::vector<Series>& series) {
  if (speedup) return {true, "speed-up over serial", 1, "x"};
  double top = 0;
  for (const auto& s : series)
    for (const auto& v : s.at)
      if (v) top = std::max(top, *v);
  if (top >= 1) return {false, "wall time", 1, "s"};
  if (top >= 1e-3) return {false, "wall time", 1e3, "ms"};
  if (top >= 1e-6) return {false, "wall time", 1e6, "us"};
  return {false, "wall time", 1e9, "ns"};
}

// ---- Scales ----

struct Tick {
  double at;
  std::string label;
};

// A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into about `target` parts.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

// Ticks at multiples of `step` from `first` to `last`.
std::vector<Tick> ticks_between(long first, long last, double step) {
  std::vector<Tick> ticks;
  for (long i = first; i <= last; ++i) {
    const double at = static_cast<double>(i) * step;
    ticks.push_back({at, number(at)});
  }
  return ticks;
}

// From 0 to the first round number at or above `top`: the value axis.
std::vector<Tick> value_ticks(double top) {
  const double step = nice_step(top > 0 ? top : 1, 5);
  return ticks_between(0, std::max(1L, std::lround(std::ceil(top / step - 1e-9))), step);
}

// Round numbers within [lo, hi]: a linear swept axis.
std::vector<Tick> inner_ticks(double lo, double hi) {
  const double step = nice_step(hi - lo, 8);
  return ticks_between(std::lround(std::ceil(lo / step - 1e-9)),
                       std::lround(std::floor(hi / step + 1e-9)), step);
}

// The swept axis's values as positions: numbers, durations in seconds, or categories.
struct XScale {
  std::vector<double> position;  // by value index
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<Tick> ticks;
};

std::optional<double> numeric(const nlohmann::ordered_json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string())
    if (const auto nanos = parse_duration(v.get<std::string>())) return to_seconds(*nanos);
  return std::nullopt;
}

// Geometric growth (1, 2, 4, ...; 0.1ms, 1ms, 5ms, 20ms) reads best on a log axis: positive,
// spanning at least 8x, and not evenly spaced.
bool wants_log(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  if (values.size() < 3 || values.front() <= 0 || values.back() < 8 * values.front()) return false;
  const double step = values[1] - values[0];
  for (std::size_t i = 2; i < values.size(); ++i)
    if (std::abs(values[i] - values[i - 1] - step) > 1e-9 * values.back()) return true;
  return false;
}

std::string tick_label(double value, bool durations) {
  if (!durations) return number(value);
  return format_duration_exact(std::llround(value * kSecond));
}

XScale categorical_scale(const Axis& axis) {
  XScale scale;
  const std::size_t n = axis.values.size();
  const std::size_t every = (n + kMaxCategoryLabels - 1) / kMaxCategoryLabels;
  for (std::size_t i = 0; i < n; ++i) {
    scale.position.push_back(static_cast<double>(i));
    if (i % every == 0) scale.ticks.push_back({static_cast<double>(i), value_text(axis.values[i])});
  }
  scale.lo = -0.5;
  scale.hi = static_cast<double>(n) - 0.5;
  return scale;
}

XScale make_x_scale(const Axis& axis) {
  std::vector<double> values;
  for (const auto& v : axis.values) {
    const auto x = numeric(v);
    if (!x) return categorical_scale(axis);
    values.push_back(*x);
  }
  const bool durations = axis.values.front().is_string();
  XScale scale;
  scale.log = wants_log(values);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  std::vector<double> distinct = values;
  std::sort(distinct.begin(), distinct.end());
  if (scale.log) {
    for (double v : values) scale.position.push_back(std::log2(v));
    const double pad = (std::log2(*hi) - std::log2(*lo)) * 0.04;
    scale.lo = std::log2(*lo) - pad;
    scale.hi = std::log2(*hi) + pad;
    if (distinct.size() <= 12) {
      for (double v : distinct) scale.ticks.push_back({std::log2(v), tick_label(v, durations)});
    } else {
      const int step = std::max(1, static_cast<int>(std::ceil((scale.hi - scale.lo) / 10)));
      for (int e = static_cast<int>(std::ceil(std::log2(*lo))); e <= std::floor(std::log2(*hi));
           e += step)
        scale.ticks.push_back({double(e), tick_label(std::exp2(e), durations)});
    }
    return scale;
  }
  scale.position = values;
  const double span = *hi > *lo ? *hi - *lo : 1;
  scale.lo = *lo - span * 0.04;
  scale.hi = *hi + span * 0.04;
  if (distinct.size() <= 12) {
    for (double v : distinct) scale.ticks.push_back({v, tick_label(v, durations)});
  } else {
    scale.ticks = inner_ticks(*lo, *hi);
    for (auto& t : scale.ticks) t.label = tick_label(t.at, durations);
  }
  return scale;
}

// ---- Drawing ----

struct Frame {  // the plotting area in SVG pixels
  double left, top, width, height;
  double x(double at, double lo, double hi) const { return left + (at - lo) / (hi - lo) * width; }
  double y(double at, double lo, double hi) const {
    return top + height - (at - lo) / (hi - lo) * height;
  }
};

std::string svg_open(double width, double height, std::string_view kind, const Metric& metric) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0:.0f}\" "
      "height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\" "
      "font-size=\"12\" data-kind=\"{2}\" data-metric=\"{3}\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height, kind, metric.speedup ? "speedup" : "wall");
}

std::string text(double x, double y, std::string_view content, std::string_view attributes = {}) {
  return fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\"{}{}>{}</text>\n", x, y,
                     attributes.empty() ? "" : " ", attributes, escape(content));
}

std::string y_axis_title(const Metric& metric) {
  return metric.speedup ? metric.title + " (x)" : fmt::format("{} ({})", metric.title, metric.unit);
}

std::string plot_title(const SweepResult& sweep, const Metric& metric, std::string_view by) {
  return fmt::format("{}: {} {}", sweep.scenario_name, metric.title, by);
}

std::string draw_axes(const Frame& f, const XScale& xs, const std::vector<Tick>& y_ticks,
                      double y_lo, double y_hi, const std::string& x_title,
                      const std::string& y_title) {
  std::string out = "<g class=\"axes\" stroke=\"#dddddd\" stroke-width=\"1\">\n";
  for (const Tick& t : y_ticks)
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", f.left,
                       f.y(t.at, y_lo, y_hi), f.left + f.width, f.y(t.at, y_lo, y_hi));
  for (const Tick& t : xs.ticks)
    out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                       f.x(t.at, xs.lo, xs.hi), f.top, f.x(t.at, xs.lo, xs.hi), f.top + f.height);
  out += "</g>\n";
  out += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
      "fill=\"none\" stroke=\"#333333\"/>\n",
      f.left, f.top, f.width, f.height);
  out += "<g class=\"y-ticks\">\n";
  for (const Tick& t : y_ticks)
    out += text(f.left - 6, f.y(t.at, y_lo, y_hi) + 4, t.label, "text-anchor=\"end\"");
  out += "</g>\n<g class=\"x-ticks\">\n";
  for (const Tick& t : xs.ticks)
    out += text(f.x(t.at, xs.lo, xs.hi), f.top + f.height + 16, t.label, "text-anchor=\"middle\"");
  out += "</g>\n";
  out += text(f.left + f.width / 2, f.top + f.height + 38, x_title,
              "class=\"x-title\" text-anchor=\"middle\" font-weight=\"bold\"");
  const double mid = f.top + f.height / 2;
  out += text(18, mid, y_title,
              fmt::format("class=\"y-title\" text-anchor=\"middle\" font-weight=\"bold\" "
                          "transform=\"rotate(-90 18 {:.1f})\"",
                          mid));
  return out;
}

std::string line_plot(const SweepResult& sweep, const std::vector<Series>& series,
                      const Metric& metric) {
  const Axis& axis = sweep.axes.front();
  const XScale xs = make_x_scale(axis);
  double top = metric.speedup ? 1 : 0;
  for (const auto& s : series)
    for (const auto& v : s.at)
      if (v) top = std::max(top, *v * metric.scale);
  const std::vector<Tick> y_ticks = value_ticks(top * 1.02);
  const double y_hi = y_ticks.back().at;
  const Frame f{72, 48, 520, 340};
  const double width = 800, height = 460;

  std::string out = svg_open(width, height, "line", metric);
  out += text(f.left, 28, plot_title(sweep, metric, "vs " + axis_title(axis)),
              "class=\"title\" font-size=\"16\" font-weight=\"bold\"");
  out += draw_axes(f, xs, y_ticks, 0, y_hi, axis_title(axis) + (xs.log ? " (log scale)" : ""),
                   y_axis_title(metric));
  std::size_t colour = 0;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string stroke =
        s.baseline ? kBaselineColour : kLineColours[colour++ % kLineColours.size()];
    // Points in x order, so a line never doubles back when the axis was written unsorted.
    std::vector<std::pair<double, std::size_t>> points;
    for (std::size_t p = 0; p < s.at.size(); ++p)
      if (s.at[p]) {
        const std::size_t v = grid_coordinates(sweep.axes, p).front();
        points.emplace_back(xs.position[v], p);
      }
    std::stable_sort(points.begin(), points.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string polyline;
    std::string circles;
    for (const auto& [x, p] : points) {
      const double value = *s.at[p] * metric.scale;
      const double px = f.x(x, xs.lo, xs.hi), py = f.y(value, 0, y_hi);
      polyline += fmt::format("{}{:.1f},{:.1f}", polyline.empty() ? "" : " ", px, py);
      const std::string x_text = value_text(axis.values[grid_coordinates(sweep.axes, p).front()]);
      circles += fmt::format(
          "<circle class=\"point\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\" "
          "data-x=\"{}\" data-y=\"{:.6g}\"><title>{} {}: {:.4g} {}</title></circle>\n",
          px, py, stroke, escape(x_text), value, escape(s.label), escape(x_text), value,
          metric.unit);
    }
    out += fmt::format("<g class=\"series{}\" data-label=\"{}\">\n", s.baseline ? " baseline" : "",
                       escape(s.label));
    out +=
        fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
                    polyline, stroke, s.baseline ? " stroke-dasharray=\"6 4\"" : "");
    out += circles + "</g>\n";
    const double ly = f.top + 10 + 22 * static_cast<double>(k);
    const double lx = f.left + f.width + 24;
    out += fmt::format(
        "<g class=\"legend-entry\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"{}\" stroke-width=\"2\"{}/>\n",
        lx, ly, lx + 24, ly, stroke, s.baseline ? " stroke-dasharray=\"6 4\"" : "");
    out += text(lx + 32, ly + 4, s.baseline ? s.label + " (baseline)" : s.label) + "</g>\n";
  }
  out += text(
      f.left, height - 10,
      fmt::format("profile {}, seed {}; gilsim {}", sweep.profile_name, sweep.seed, GILSIM_VERSION),
      "class=\"footer\" fill=\"#666666\"");
  return out + "</svg>\n";
}

std::string viridis(double t) {
  t = std::clamp(t, 0.0, 1.0) * (kViridis.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(t), kViridis.size() - 2);
  const double f = t - static_cast<double>(i);
  std::array<int, 3> rgb{};
  for (std::size_t c = 0; c < 3; ++c)
    rgb[c] =
        static_cast<int>(std::lround(kViridis[i][c] + f * (kViridis[i + 1][c] - kViridis[i][c])));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

std::string cell_text(double value, const Metric& metric) {
  return metric.speedup ? fmt::format("{:.2f}", value) : fmt::format("{:.3g}", value);
}

std::string heat_map(const SweepResult& sweep, std::vector<Series> series, const Metric& metric) {
  std::erase_if(series, [](const Series& s) { return s.baseline; });
  const Axis& ax = sweep.axes[0];
  const Axis& ay = sweep.axes[1];
  const std::size_t nx = ax.values.size(), ny = ay.values.size();
  const auto real = [](std::size_t n) { return static_cast<double>(n); };
  const double cell_w = std::clamp(std::floor(360.0 / real(nx)), 4.0, 56.0);
  const double cell_h = std::clamp(std::floor(240.0 / real(ny)), 4.0, 30.0);
  const double panel_w = cell_w * real(nx), panel_h = cell_h * real(ny);
  const std::size_t columns = std::min<std::size_t>(3, std::max<std::size_t>(series.size(), 1));
  const std::size_t rows = (series.size() + columns - 1) / columns;
  const double pitch_x = panel_w + 100, pitch_y = panel_h + 100;
  const double width = 40 + real(columns) * pitch_x + 90;
  const double height = 50 + real(rows) * pitch_y + 20;

  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const auto& v : s.at)
      if (v) lo = std::min(lo, *v * metric.scale), hi = std::max(hi, *v * metric.scale);
  if (!(lo <= hi)) lo = hi = 0;
  const auto shade = [&](double v) { return hi > lo ? (v - lo) / (hi - lo) : 0.5; };

  std::string out = svg_open(width, height, "heatmap", metric);
  out += text(40, 28,
              plot_title(sweep, metric, "by " + axis_title(ax) + " and " + axis_title(ay)) +
                  (metric.speedup ? "" : fmt::format(" ({})", metric.unit)),
              "class=\"title\" font-size=\"16\" font-weight=\"bold\"");
  const std::size_t every_x = (nx + kMaxCategoryLabels - 1) / kMaxCategoryLabels;
  const std::size_t every_y = (ny + kMaxCategoryLabels - 1) / kMaxCategoryLabels;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const double left = 40 + 60 + real(k % columns) * pitch_x;
    const double top = 50 + 30 + real(k / columns) * pitch_y;
    out += fmt::format("<g class=\"panel\" data-label=\"{}\">\n", escape(series[k].label));
    out += text(left, top - 10, series[k].label, "font-weight=\"bold\"");
    for (std::size_t p = 0; p < series[k].at.size(); ++p) {
      const auto c = grid_coordinates(sweep.axes, p);
      const double x = left + real(c[0]) * cell_w, y = top + real(ny - 1 - c[1]) * cell_h;
      const auto& v = series[k].at[p];
      const std::string xt = value_text(ax.values[c[0]]), yt = value_text(ay.values[c[1]]);
      const double value = v ? *v * metric.scale : 0;
      out += fmt::format(
          "<rect class=\"cell\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\" data-x=\"{}\" data-y=\"{}\" data-value=\"{}\"><title>{} {}, {} {}: "
          "{}</title>"
          "</rect>\n",
          x, y, cell_w, cell_h, v ? viridis(shade(value)) : "#eeeeee", escape(xt), escape(yt),
          v ? fmt::format("{:.6g}", value) : "", escape(axis_title(ax)), escape(xt),
          escape(axis_title(ay)), escape(yt), v ? cell_text(value, metric) : "no value");
      if (v && cell_w >= 34 && cell_h >= 15)
        out += text(x + cell_w / 2, y + cell_h / 2 + 4, cell_text(value, metric),
                    fmt::format("text-anchor=\"middle\" font-size=\"10\" fill=\"{}\"",
                                shade(value) > 0.6 ? "#000000" : "#ffffff"));
    }
    for (std::size_t i = 0; i < nx; i += every_x)
      out += text(left + (real(i) + 0.5) * cell_w, top + panel_h + 14, value_text(ax.values[i]),
                  "text-anchor=\"middle\" font-size=\"10\"");
    for (std::size_t j = 0; j < ny; j += every_y)
      out += text(left - 5, top + (real(ny - j) - 0.5) * cell_h + 3, value_text(ay.values[j]),
                  "text-anchor=\"end\" font-size=\"10\"");
    out += text(left + panel_w / 2, top + panel_h + 32, axis_title(ax),
                "class=\"x-title\" text-anchor=\"middle\" font-weight=\"bold\"");
    const double mid = top + panel_h / 2;
    out += text(left - 42, mid, axis_title(ay),
                fmt::format("class=\"y-title\" text-anchor=\"middle\" font-weight=\"bold\" "
                            "transform=\"rotate(-90 {:.1f} {:.1f})\"",
                            left - 42, mid));
    out += "</g>\n";
  }
  // The colour scale, shared by every panel.
  const double bar_x = width - 70, bar_top = 80, bar_h = std::max(120.0, panel_h);
  out += "<g class=\"colour-scale\">\n";
  constexpr int kSteps = 32;
  for (int i = 0; i < kSteps; ++i)
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"{:.1f}\" fill=\"{}\"/>\n", bar_x,
        bar_top + bar_h * (kSteps - 1 - i) / kSteps, bar_h / kSteps + 0.5,
        viridis((i + 0.5) / kSteps));
  out += text(bar_x + 18, bar_top + 4, cell_text(hi, metric));
  out += text(bar_x + 18, bar_top + bar_h, cell_text(lo, metric));
  out += text(bar_x - 4, bar_top - 10, metric.speedup ? "speed-up" : metric.unit);
  out += "</g>\n";
  out += text(
      40, height - 8,
      fmt::format("profile {}, seed {}; gilsim {}", sweep.profile_name, sweep.seed, GILSIM_VERSION),
      "class=\"footer\" fill=\"#666666\"");
  return out + "</svg>\n";
}

bool has_speedup(const SweepResult& sweep) {
  const std::size_t column = result_column("speedup_vs_serial");
  return std::any_of(sweep.rows.begin(), sweep.rows.end(),
                     [&](const SweepRow& r) { return !r.cells[column].is_null(); });
}

}  // namespace

PlotMetric parse_plot_metric(std::string_view text) {
  if (text == "speedup") return PlotMetric::speedup;
  if (text == "wall") return PlotMetric::wall;
  return PlotMetric::automatic;
}

void check_plot(std::size_t swept_axes, PlotMetric metric, bool has_serial_baseline) {
  if (swept_axes > 2)
    throw UserError(
        "--plot",
        fmt::format("a plot shows one or two swept axes, and this sweep has {}", swept_axes),
        "sweep at most two axes for a plot, or plot the CSV with your own tool");
  if (metric == PlotMetric::speedup && !has_serial_baseline)
    throw UserError("--plot-metric",
                    "no speed-up to plot: a \"program\" scenario runs its threads as written, "
                    "with no serial baseline",
                    "plot the wall time: --plot-metric wall");
}

std::string plot_svg(const SweepResult& sweep, PlotMetric metric) {
  check_plot(sweep.axes.size(), metric, has_speedup(sweep));
  const bool speedup =
      metric == PlotMetric::speedup || (metric == PlotMetric::automatic && has_speedup(sweep));
  const std::vector<Series> series = collect_series(sweep, speedup);
  const Metric m = choose_metric(speedup, series);
  return sweep.axes.size() == 1 ? line_plot(sweep, series, m) : heat_map(sweep, series, m);
}

}  // namespace gilsim
