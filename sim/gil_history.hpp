// Pairs each GIL's takes and releases into holdings and hand-offs, for the subscribers that draw
// them (trace, timeline), and says which process and interpreter each GIL belongs to.
#pragma once

#include <optional>
#include <vector>

#include "gilsim/observer.hpp"

namespace gilsim {

class GilHistory {
 public:
  struct Holding {
    Tid holder;
    Nanos from, to;
  };
  struct Handoff {
    Tid from;  // the thread that dropped the GIL
    Nanos dropped;
    Tid to;  // the thread that took it next
    Nanos taken;
  };
  struct Gil {
    Pid process = -1;  // the process of the first thread that used it
    int ordinal = 0;   // 0: the process's main interpreter, then its subinterpreters in order
    Tid holder = -1;
    Nanos since = 0;
    Tid released_by = -1;
    Nanos released_at = 0;
  };

  // A take by `taker` of process `p`; the hand-off it completes, if another thread dropped last.
  std::optional<Handoff> take(GilId g, Pid p, Tid last, Tid taker, Nanos at) {
    Gil& gil = use(g, p);
    std::optional<Handoff> handoff;
    if (last >= 0 && last != taker && gil.released_by == last)
      handoff = Handoff{last, gil.released_at, taker, at};
    gil.holder = taker;
    gil.since = at;
    return handoff;
  }
  // A release; the holding it ends.
  std::optional<Holding> release(GilId g, Pid p, Tid holder, Nanos at) {
    Gil& gil = use(g, p);
    std::optional<Holding> holding;
    if (gil.holder >= 0) holding = Holding{gil.holder, gil.since, at};
    gil.holder = -1;
    gil.released_by = holder;
    gil.released_at = at;
    return holding;
  }

  const std::vector<Gil>& gils() const { return gils_; }

 private:
  Gil& use(GilId g, Pid p) {
    if (gils_.size() <= static_cast<std::size_t>(g)) gils_.resize(static_cast<std::size_t>(g) + 1);
    Gil& gil = gils_[static_cast<std::size_t>(g)];
    if (gil.process < 0) {
      if (per_process_.size() <= static_cast<std::size_t>(p))
        per_process_.resize(static_cast<std::size_t>(p) + 1);
      gil.process = p;
      gil.ordinal = per_process_[static_cast<std::size_t>(p)]++;
    }
    return gil;
  }

  std::vector<Gil> gils_;
  std::vector<int> per_process_;  // GILs seen so far, by process
};

}  // namespace gilsim
