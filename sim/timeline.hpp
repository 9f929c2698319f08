// The timeline picture (--timeline FILE.svg): a self-contained SVG of a short window of one run,
// made for a slide. One row per thread, grouped by process under the process's GIL row; each
// row coloured by state; arrows for GIL hand-offs (dropper to taker), marks for drop requests
// and forced switches; a time axis and a legend. It subscribes to the observation stream like
// the trace writer, and keeps only what falls in its window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gil_history.hpp"
#include "gilsim/observer.hpp"
#include "scope.hpp"

namespace gilsim {

class Timeline : public Observer {
 public:
  // The picture shows `window` (to == kNever: up to the end of the run), which the option
  // `window_option` set; `title` heads it, `run` names the run in messages.
  Timeline(Window window, std::string window_option, ThreadSelection threads, std::string title,
           std::string run);

  void process_created(Pid p, std::string_view name, Nanos at) override;
  void thread_created(Tid t, Pid p, std::string_view name, Nanos at) override;
  void state_changed(Tid t, ThreadState s, Nanos at) override;
  void gil_taken(GilId g, Tid last, Tid taker, Nanos at) override;
  void gil_released(GilId g, Tid holder, Nanos at) override;
  void drop_requested(GilId g, Tid requester, Tid holder, Nanos at) override;
  void forced_switch(GilId g, Tid t, Nanos at) override;

  // Closes what is open at the run's `end` and checks the window and the thread names.
  void finish(Nanos end);
  std::string svg() const;

  // A window holding more than this many items is too busy to draw (and to keep in memory).
  static constexpr std::size_t kMaxItems = 2'000'000;

 private:
  struct Span {
    Nanos from, to;
    ThreadState state;
  };
  struct Row {
    std::string name;
    Pid process = 0;
    bool shown = false;
    ThreadState state = ThreadState::exited;
    Nanos since = 0;
    std::vector<Span> spans;
  };
  struct Holding {
    GilId gil;
    GilHistory::Holding holding;
  };
  struct Mark {
    Tid tid;
    Nanos at;
  };
  struct Layout;

  bool visible(Nanos from, Nanos to) const;
  bool room();
  void count_item();
  Layout layout() const;
  void draw_rows(std::string& svg, const Layout& layout) const;
  void draw_gil_row(std::string& svg, const Layout& layout, GilId g, double y) const;
  void draw_thread_row(std::string& svg, const Layout& layout, Tid t, double y) const;
  void draw_marks(std::string& svg, const Layout& layout) const;
  void draw_axis(std::string& svg, const Layout& layout) const;
  double draw_legend(std::string& svg, const Layout& layout) const;

  Window window_;
  std::string window_option_;
  ThreadSelection selection_;
  std::string title_;
  std::string run_;
  Nanos end_ = 0;  // the end of what is drawn: the window's, or the run's if earlier
  std::size_t items_ = 0;
  bool overflowed_ = false;
  std::vector<std::string> processes_;
  std::vector<Row> rows_;
  GilHistory history_;
  std::vector<Holding> holdings_;
  std::vector<GilHistory::Handoff> handoffs_;
  std::vector<Mark> drop_requests_;
  std::vector<Mark> forced_switches_;
};

}  // namespace gilsim
