// The timeline picture (see timeline.hpp). Layout, top to bottom: title, then per process its
// name, its GIL row(s) and its threads' rows, then the time axis and the legend. Rectangles get
// a CSS class per state, so the file stays small and the colours are defined once.
#include "timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gilsim/error.hpp"
#include "states.hpp"
#include "units.hpp"
#include "xml.hpp"

namespace gilsim {

namespace {

constexpr double kWidth = 1280;
constexpr double kLeft = 210;  // thread names go left of this
constexpr double kRight = 30;
constexpr double kTop = 70;  // below the title
constexpr double kProcessHeader = 24;
constexpr double kRowHeight = 26;
constexpr double kBarHeight = 18;
constexpr double kCharWidth = 7.4;  // of the 13 px sans-serif, for fitting text
constexpr const char* kGilColour = "#37474f";
constexpr std::size_t kLongestName = 28;

std::string shorten(const std::string& name) {
  return name.size() <= kLongestName ? name : name.substr(0, kLongestName - 3) + "...";
}

// "5 ms", "500 µs": a duration for a picture.
std::string readable(Nanos t) {
  std::string text = format_duration(t);
  if (text.ends_with(" us")) text.replace(text.size() - 2, 2, "\u00b5s");
  return text;
}

// The tick step: 1, 2 or 5 times a power of ten, giving 5 to 10 ticks over `span`.
Nanos tick_step(Nanos span) {
  Nanos step = 1;
  for (;;) {
    for (Nanos m : {1, 2, 5})
      if (span / (step * m) <= 10) return step * m;
    step *= 10;
  }
}

}  // namespace

struct Timeline::Layout {
  Nanos from = 0;
  Nanos to = 1;
  std::vector<double> thread_y;   // by tid: top of the row, or -1 when not drawn
  std::vector<double> gil_y;      // by GIL
  std::vector<double> process_y;  // by pid: the header's baseline, or -1
  double rows_bottom = kTop;

  double x(Nanos t) const {
    return kLeft + static_cast<double>(t - from) * (kWidth - kLeft - kRight) /
                       static_cast<double>(to - from);
  }
  double centre(double row_top) const {
    return row_top + (kRowHeight - kBarHeight) / 2 + kBarHeight / 2;
  }
};

Timeline::Timeline(Window window, std::string window_option, ThreadSelection threads,
                   std::string title, std::string run)
    : window_(window),
      window_option_(std::move(window_option)),
      selection_(std::move(threads)),
      title_(std::move(title)),
      run_(std::move(run)) {}

bool Timeline::visible(Nanos from, Nanos to) const {
  return std::min(to, window_.to) > std::max(from, window_.from);
}

// Whether one more item fits; remembers when one did not.
bool Timeline::room() {
  if (items_ < kMaxItems) return true;
  overflowed_ = true;
  return false;
}

void Timeline::count_item() { ++items_; }

void Timeline::process_created(Pid p, std::string_view name, Nanos) {
  if (processes_.size() <= static_cast<std::size_t>(p)) processes_.resize(p + 1);
  processes_[p] = name;
}

void Timeline::thread_created(Tid t, Pid p, std::string_view name, Nanos) {
  if (rows_.size() <= static_cast<std::size_t>(t)) rows_.resize(t + 1);
  rows_[t].name = name;
  rows_[t].process = p;
  rows_[t].shown = selection_.admit(processes_[p], name);
}

void Timeline::state_changed(Tid t, ThreadState s, Nanos at) {
  Row& row = rows_[t];
  if (row.shown && row.state != ThreadState::exited && visible(row.since, at) && room()) {
    row.spans.push_back({std::max(row.since, window_.from), std::min(at, window_.to), row.state});
    count_item();
  }
  row.state = s;
  row.since = at;
}

void Timeline::gil_taken(GilId g, Tid last, Tid taker, Nanos at) {
  const auto handoff = history_.take(g, rows_[taker].process, last, taker, at);
  if (handoff && rows_[handoff->from].shown && rows_[taker].shown &&
      window_.contains(handoff->dropped) && window_.contains(at) && room()) {
    handoffs_.push_back(*handoff);
    count_item();
  }
}

void Timeline::gil_released(GilId g, Tid holder, Nanos at) {
  const auto holding = history_.release(g, rows_[holder].process, holder, at);
  if (holding && visible(holding->from, holding->to) && room()) {
    holdings_.push_back({g,
                         {holding->holder, std::max(holding->from, window_.from),
                          std::min(holding->to, window_.to)}});
    count_item();
  }
}

void Timeline::drop_requested(GilId, Tid requester, Tid, Nanos at) {
  if (rows_[requester].shown && window_.contains(at) && room()) {
    drop_requests_.push_back({requester, at});
    count_item();
  }
}

void Timeline::forced_switch(GilId, Tid t, Nanos at) {
  if (rows_[t].shown && window_.contains(at) && room()) {
    forced_switches_.push_back({t, at});
    count_item();
  }
}

void Timeline::finish(Nanos end) {
  check_reaches(window_, window_option_, run_, end);
  for (Tid t = 0; t < static_cast<Tid>(rows_.size()); ++t)
    if (rows_[t].state != ThreadState::exited) state_changed(t, ThreadState::exited, end);
  for (GilId g = 0; g < static_cast<GilId>(history_.gils().size()); ++g)
    if (const Tid holder = history_.gils()[g].holder; holder >= 0) gil_released(g, holder, end);
  if (overflowed_)
    throw UserError(window_option_,
                    fmt::format("the timeline's window holds more than {} slices and marks: too "
                                "many to draw",
                                kMaxItems),
                    "pick a shorter window, e.g. --timeline-window 0:50ms");
  selection_.check(run_);
  end_ = std::min(window_.to, end);
}

Timeline::Layout Timeline::layout() const {
  Layout layout;
  layout.from = window_.from;
  layout.to = std::max(end_, window_.from + 1);
  layout.thread_y.assign(rows_.size(), -1);
  layout.gil_y.assign(history_.gils().size(), -1);
  layout.process_y.assign(processes_.size(), -1);
  std::vector<bool> gil_drawn(history_.gils().size(), false);
  for (const Holding& h : holdings_) gil_drawn[h.gil] = true;
  double y = kTop;
  for (Pid p = 0; p < static_cast<Pid>(processes_.size()); ++p) {
    const double header = y;
    bool any = false;
    y += kProcessHeader;
    for (GilId g = 0; g < static_cast<GilId>(gil_drawn.size()); ++g)
      if (gil_drawn[g] && history_.gils()[g].process == p) {
        layout.gil_y[g] = y;
        y += kRowHeight;
        any = true;
      }
    for (Tid t = 0; t < static_cast<Tid>(rows_.size()); ++t)
      if (rows_[t].process == p && !rows_[t].spans.empty()) {
        layout.thread_y[t] = y;
        y += kRowHeight;
        any = true;
      }
    if (any)
      layout.process_y[p] = header + 16;
    else
      y = header;
  }
  layout.rows_bottom = y;
  return layout;
}

void Timeline::draw_thread_row(std::string& svg, const Layout& layout, Tid t, double y) const {
  const Row& row = rows_[t];
  const double bar = y + (kRowHeight - kBarHeight) / 2;
  svg += fmt::format("<g class=\"thread\" data-tid=\"{}\" data-name=\"{}\">\n", t,
                     xml_escape(row.name));
  svg += fmt::format("<text class=\"name\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", kLeft - 8,
                     bar + 13.5, xml_escape(shorten(row.name)));
  for (const Span& s : row.spans) {
    const double x0 = layout.x(s.from);
    const double w = layout.x(s.to) - x0;
    if (w < 0.05) continue;  // narrower than anything a screen shows
    svg += fmt::format(
        "<rect class=\"s{}\" x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" "
        "height=\"{}\"><title>{}: {}, {} from {}</title></rect>\n",
        static_cast<int>(s.state), x0, bar, w, kBarHeight, xml_escape(row.name),
        state_style(s.state).label, readable(s.to - s.from), readable(s.from));
  }
  svg += "</g>\n";
}

void Timeline::draw_gil_row(std::string& svg, const Layout& layout, GilId g, double y) const {
  const int ordinal = history_.gils()[g].ordinal;
  const std::string name =
      ordinal == 0 ? std::string("GIL") : fmt::format("GIL (subinterpreter {})", ordinal);
  const double bar = y + (kRowHeight - kBarHeight) / 2;
  svg += fmt::format("<g class=\"gil\" data-gil=\"{}\">\n", g);
  svg += fmt::format("<text class=\"name gilname\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                     kLeft - 8, bar + 13.5, name);
  svg += fmt::format("<line class=\"gilbase\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                     kLeft, kWidth - kRight, bar + kBarHeight / 2, bar + kBarHeight / 2);
  for (const Holding& h : holdings_) {
    if (h.gil != g) continue;
    const double x0 = layout.x(h.holding.from);
    const double w = layout.x(h.holding.to) - x0;
    if (w < 0.05) continue;
    const std::string& holder = rows_[h.holding.holder].name;
    svg += fmt::format(
        "<rect class=\"held\" x=\"{:.2f}\" y=\"{:.1f}\" width=\"{:.2f}\" "
        "height=\"{}\"><title>{} holds the GIL for {} from {}</title></rect>\n",
        x0, bar, w, kBarHeight, xml_escape(holder), readable(h.holding.to - h.holding.from),
        readable(h.holding.from));
    if (w > kCharWidth * 0.85 * static_cast<double>(holder.size()) + 8)
      svg += fmt::format("<text class=\"holder\" x=\"{:.2f}\" y=\"{:.1f}\">{}</text>\n", x0 + 4,
                         bar + 13, xml_escape(holder));
  }
  svg += "</g>\n";
}

void Timeline::draw_rows(std::string& svg, const Layout& layout) const {
  for (Pid p = 0; p < static_cast<Pid>(processes_.size()); ++p)
    if (layout.process_y[p] >= 0)
      svg += fmt::format("<text class=\"process\" x=\"12\" y=\"{:.1f}\">{}</text>\n",
                         layout.process_y[p], xml_escape(processes_[p]));
  for (GilId g = 0; g < static_cast<GilId>(layout.gil_y.size()); ++g)
    if (layout.gil_y[g] >= 0) draw_gil_row(svg, layout, g, layout.gil_y[g]);
  for (Tid t = 0; t < static_cast<Tid>(layout.thread_y.size()); ++t)
    if (layout.thread_y[t] >= 0) draw_thread_row(svg, layout, t, layout.thread_y[t]);
}

// Hand-off arrows from the dropper's row to the taker's; drop requests as a triangle above the
// requester's bar, forced switches as a ring on the holder's bar.
void Timeline::draw_marks(std::string& svg, const Layout& layout) const {
  for (const auto& h : handoffs_) {
    const double y1 = layout.thread_y[h.from], y2 = layout.thread_y[h.to];
    if (y1 < 0 || y2 < 0) continue;
    svg += fmt::format(
        "<line class=\"handoff\" x1=\"{:.2f}\" y1=\"{:.1f}\" x2=\"{:.2f}\" "
        "y2=\"{:.1f}\" marker-end=\"url(#arrow)\"/>\n",
        layout.x(h.dropped), layout.centre(y1), layout.x(h.taken),
        layout.centre(y2) + (y2 > y1 ? -5 : 5));
  }
  for (const Mark& m : drop_requests_) {
    const double y = layout.thread_y[m.tid];
    if (y < 0) continue;
    const double x = layout.x(m.at), top = y + (kRowHeight - kBarHeight) / 2;
    svg += fmt::format("<path class=\"request\" d=\"M{:.2f} {:.1f}l-4.5 -6h9z\"/>\n", x, top + 1);
  }
  for (const Mark& m : forced_switches_) {
    const double y = layout.thread_y[m.tid];
    if (y < 0) continue;
    svg += fmt::format("<circle class=\"forced\" cx=\"{:.2f}\" cy=\"{:.1f}\" r=\"4\"/>\n",
                       layout.x(m.at), layout.centre(y));
  }
}

void Timeline::draw_axis(std::string& svg, const Layout& layout) const {
  const Nanos span = layout.to - layout.from;
  const Nanos step = tick_step(span);
  const double axis = layout.rows_bottom + 8;
  svg += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>\n",
                     kLeft, kWidth - kRight, axis, axis);
  for (Nanos t = (layout.from + step - 1) / step * step; t <= layout.to; t += step) {
    const double x = layout.x(t);
    svg += fmt::format(
        "<line class=\"grid\" x1=\"{:.2f}\" x2=\"{:.2f}\" y1=\"{}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.2f}\" y=\"{:.1f}\">{}</text>\n",
        x, x, kTop, axis + 4, x, axis + 18, readable(t));
  }
}

// Legend entries left to right, wrapping; returns the bottom of the last line.
double Timeline::draw_legend(std::string& svg, const Layout& layout) const {
  std::vector<bool> used(kThreadStates, false);
  for (const Row& row : rows_)
    for (const Span& s : row.spans) used[static_cast<std::size_t>(s.state)] = true;
  double x = kLeft, y = layout.rows_bottom + 48;
  // The swatch is drawn by `swatch(left, baseline)`; the label follows it.
  auto item = [&](std::string_view label, auto swatch) {
    const double width = 30 + kCharWidth * static_cast<double>(label.size()) + 18;
    if (x + width > kWidth - kRight) {
      x = kLeft;
      y += 22;
    }
    svg += swatch(x, y);
    svg += fmt::format("<text class=\"legend\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 28, y,
                       label);
    x += width;
  };
  auto box = [](std::string cls) {
    return [cls](double at, double base) {
      return fmt::format(
          "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"22\" height=\"14\"/>", cls, at,
          base - 11);
    };
  };
  for (int s = 0; s < kThreadStates; ++s)
    if (used[s]) item(state_style(static_cast<ThreadState>(s)).label, box(fmt::format("s{}", s)));
  if (!holdings_.empty()) item("GIL held (by the thread named)", box("held"));
  if (!handoffs_.empty())
    item("GIL hand-off (dropper to taker)", [](double at, double base) {
      return fmt::format(
          "<line class=\"handoff\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "marker-end=\"url(#arrow)\"/>",
          at + 2, base - 12, at + 18, base + 1);
    });
  if (!drop_requests_.empty())
    item("drop request (a waiter timed out)", [](double at, double base) {
      return fmt::format("<path class=\"request\" d=\"M{:.1f} {:.1f}l-5 -8h10z\"/>", at + 11, base);
    });
  if (!forced_switches_.empty())
    item("forced switch (the holder drops)", [](double at, double base) {
      return fmt::format("<circle class=\"forced\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4.5\"/>",
                         at + 11, base - 4);
    });
  return y + 12;
}

std::string Timeline::svg() const {
  const Layout layout = this->layout();
  std::string body;
  body += fmt::format("<text class=\"title\" x=\"12\" y=\"28\">{}</text>\n", xml_escape(title_));
  body += fmt::format(
      "<text class=\"subtitle\" x=\"12\" y=\"50\">virtual time {} to {}: one row "
      "per thread, coloured by what it is doing</text>\n",
      readable(layout.from), readable(layout.to));
  draw_axis(body, layout);
  draw_rows(body, layout);
  draw_marks(body, layout);
  const double height = draw_legend(body, layout) + 14;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0} {1:.0f}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
      "<title>{2}</title>\n<style>\n"
      ".title{{font-size:18px;font-weight:bold}} .subtitle{{font-size:13px;fill:#444}}\n"
      ".process{{font-size:14px;font-weight:bold}} .name{{font-size:13px;text-anchor:end}}\n"
      ".gilname{{font-weight:bold}} .holder{{font-size:11px;fill:#fff}}\n"
      ".tick,.legend{{font-size:13px}} .tick{{text-anchor:middle}}\n"
      ".axis{{stroke:#000}} .grid{{stroke:#ddd}} .gilbase{{stroke:#bbb}}\n"
      ".held{{fill:{3}}} .handoff{{stroke:#000;stroke-width:1.2}}\n"
      ".request{{fill:#000}} .forced{{fill:#fff;stroke:#000;stroke-width:1.6}}\n",
      kWidth, height, xml_escape(title_), kGilColour);
  for (int s = 0; s < kThreadStates; ++s)
    svg += fmt::format(".s{}{{fill:{}}} ", s, state_style(static_cast<ThreadState>(s)).colour);
  svg += fmt::format(".s{}{{stroke:#bbb}}\n", static_cast<int>(ThreadState::idle));
  svg +=
      "</style>\n<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 "
      "5L0 10z\"/></marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  return svg + body + "</svg>\n";
}

}  // namespace gilsim
