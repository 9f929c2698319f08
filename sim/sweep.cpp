#include "sweep.hpp"

#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>

#include "gilsim/error.hpp"
#include "hash.hpp"
#include "host_jobs.hpp"
#include "profile.hpp"
#include "scenario.hpp"
#include "scenario_edit.hpp"
#include "simulate.hpp"

namespace gilsim {

namespace {

constexpr std::string_view kWorkersPointer = "/strategies/*/workers";

bool is_workers(const Axis& axis) { return axis.name == "workers"; }

std::string axis_hint(const Axis& axis) {
  if (axis.name == "cores") return "e.g. --cores 1,2,4,8 or --cores 1-64:x2 (1 to 4096 cores)";
  if (axis.name == "switch_interval") return "e.g. --switch-interval 0.1ms,1ms,5ms (1us to 10s)";
  if (is_workers(axis)) return "e.g. --workers 4,8,16";
  return "";
}

// Writes the point's values into `doc`. --workers goes last: without "strategies" in the file,
// the pools it sizes are the defaults of the scenario as the other axes make it.
void apply_point(const std::vector<Axis>& axes, const std::vector<std::size_t>& coordinates,
                 Document& doc, const std::string& path, const std::string& blame) {
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (!is_workers(axes[a]))
      set_field(doc, axes[a].pointer, axes[a].values[coordinates[a]], axis_option(axes[a]));
  for (std::size_t a = 0; a < axes.size(); ++a)
    if (is_workers(axes[a])) {
      const Scenario edited =
          doc.contains("strategies") ? Scenario{} : parse_edited(doc, path, blame);
      set_workers(doc, edited, axes[a].values[coordinates[a]].get<std::int64_t>());
    }
}

// An axis edits what no other axis edits: the same field twice would make rows that lie.
void check_disjoint(const std::vector<Axis>& axes, bool strategies_chosen) {
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner == outer || inner.rfind(outer + "/", 0) == 0;
  };
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::string mine = axes[i].pointer.empty() ? "/strategies" : axes[i].pointer;
    if (axes[i].option == "--set" && strategies_chosen && within(mine, "/strategies"))
      throw UserError(axis_option(axes[i]), "--strategies already chooses the strategies",
                      "sweep the strategies with one of --strategies and --set");
    for (std::size_t j = 0; j < i; ++j) {
      const std::string theirs = axes[j].pointer.empty() ? "/strategies" : axes[j].pointer;
      if (within(mine, theirs) || within(theirs, mine))
        throw UserError(axis_option(axes[i]),
                        fmt::format("{} already sets {}", axis_option(axes[j]), theirs),
                        "sweep each scenario field with one option");
    }
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string profile_hash(const MachineProfile& profile) {
  std::string values;
  for (const auto& p : profile_params()) values += fmt::format("{}={};", p.name, profile.*p.field);
  return fnv1a_hex(values);
}

// The grid as the command line describes it, checked against the scenario value by value.
class GridBuilder {
 public:
  GridBuilder(const SweepRequest& request, const Scenario& base) : request_(request), base_(base) {
    doc_ = Document::parse(read_text(request.scenario));
  }

  const Document& document() const { return doc_; }

  std::vector<Axis> build() {
    std::vector<Axis> axes;
    if (!request_.cores.empty())
      axes.push_back(integer_axis("cores", "--cores", request_.cores, "/machine/cores"));
    if (!request_.workers.empty())
      axes.push_back(integer_axis("workers", "--workers", request_.workers, ""));
    if (!request_.switch_interval.empty()) axes.push_back(switch_interval_axis());
    if (!request_.python.empty()) {
      Axis axis{"python", "--python", request_.python, "/python", {}};
      for (auto& word : parse_word_values("--python", request_.python))
        axis.values.emplace_back(word);
      axes.push_back(std::move(axis));
    }
    for (const std::string& set : request_.sets) axes.push_back(set_axis(set));
    if (axes.empty())
      throw UserError("sweep", "nothing to sweep: no axis given",
                      "give at least one of --cores, --workers, --switch-interval, --python or "
                      "--set, e.g. --cores 1,2,4,8");
    check_disjoint(axes, !request_.strategies.empty());
    choose_strategies(axes);
    for (const Axis& axis : axes) check_values(axis);
    return axes;
  }

 private:
  // Each kind on its own: one that fits no value of any axis is a mistake of --strategies
  // (subinterpreters may fit only some of --python's values: the grid points say which).
  void choose_strategies(const std::vector<Axis>& axes) {
    if (request_.strategies.empty()) return;
    const auto kinds = parse_word_values("--strategies", request_.strategies);
    for (const std::string& kind : kinds) {
      Document doc = doc_;
      select_strategies(doc, base_, {kind});
      try {
        parse_edited(doc, request_.scenario, "--strategies " + kind, "/strategies/0");
      } catch (const UserError&) {
        if (!fits_some_value(doc, axes)) throw;
      }
    }
    select_strategies(doc_, base_, kinds);
  }

  bool fits_some_value(const Document& doc, const std::vector<Axis>& axes) const {
    for (const Axis& axis : axes)
      for (std::size_t v = 0; v < axis.values.size(); ++v) {
        Document edited = doc;
        try {
          apply_point({axis}, {v}, edited, request_.scenario, "");
          parse_edited(edited, request_.scenario, "");
          return true;
        } catch (const UserError&) {
        }
      }
    return false;
  }

  Axis integer_axis(std::string name, std::string option, const std::string& spec,
                    std::string pointer) const {
    Axis axis{std::move(name), option, spec, std::move(pointer), {}};
    for (std::int64_t v : parse_integer_values(option, spec)) axis.values.emplace_back(v);
    return axis;
  }

  Axis switch_interval_axis() const {
    Axis axis{
        "switch_interval", "--switch-interval", request_.switch_interval, "/switch_interval", {}};
    for (auto& v : parse_duration_values("--switch-interval", request_.switch_interval))
      axis.values.emplace_back(v.text);
    return axis;
  }

  Axis set_axis(const std::string& set) const {
    const std::size_t equals = set.find('=');
    const std::string pointer = set.substr(0, equals);
    if (equals == std::string::npos)
      throw UserError("--set " + set, "no values given",
                      fmt::format("write the field, '=' and its values, e.g. --set {}=1,2,3",
                                  pointer.empty() ? "/seed" : pointer));
    const std::string option = "--set " + pointer;
    const Document* current = find_field(doc_, pointer, option);
    Axis axis{pointer, "--set", set.substr(equals + 1), pointer, {}};
    axis.values = parse_set_values(option, axis.spec, current ? *current : Document());
    return axis;
  }

  // Every value on its own, so a mistake names the one option value that makes it.
  void check_values(const Axis& axis) const {
    const std::string own = axis.pointer.empty() ? std::string(kWorkersPointer) : axis.pointer;
    for (std::size_t v = 0; v < axis.values.size(); ++v) {
      Document doc = doc_;
      const std::string blame = axis_value_argument(axis, axis.values[v]);
      apply_point({axis}, {v}, doc, request_.scenario, blame);
      parse_edited(doc, request_.scenario, blame, own, axis_hint(axis));
    }
  }

  const SweepRequest& request_;
  const Scenario& base_;
  Document doc_;
};

// One simulation: a strategy at a grid point. Points that differ only in what this strategy
// does not read (serial at two pool sizes) share it.
struct Simulation {
  const Scenario* scenario = nullptr;
  StrategySpec strategy;
  const MachineProfile* profile = nullptr;
  std::vector<std::size_t> points;  // slots of the points that use it
};

struct PlannedPoint {
  std::size_t index = 0;  // in the grid
  std::unique_ptr<Scenario> scenario;
  std::vector<std::size_t> runs;      // simulations, one per reported strategy
  std::optional<std::size_t> serial;  // the baseline's simulation
};

struct Outcome {
  Row cells;
  Nanos wall = 0;
};

class SweepRunner {
 public:
  SweepRunner(const SweepRequest& request, const Scenario& base, const Document& doc,
              const std::vector<Axis>& axes)
      : request_(request), base_(base), doc_(doc), axes_(axes) {}

  SweepResult run(const std::vector<std::size_t>& points, const SweepProgress& progress) {
    for (std::size_t p : points) plan_point(p);
    outcomes_.resize(simulations_.size());
    remaining_.reset(new std::atomic<std::size_t>[planned_.size()]);
    for (std::size_t slot = 0; slot < planned_.size(); ++slot) remaining_[slot] = 0;
    for (const auto& sim : simulations_)
      for (std::size_t slot : sim.points) ++remaining_[slot];
    std::atomic<std::size_t> points_done = 0;
    for (std::size_t slot = 0; slot < planned_.size(); ++slot)
      if (remaining_[slot] == 0) ++points_done;
    run_jobs(
        simulations_.size(), request_.jobs,
        [&](std::size_t i) {
          simulate_one(i);
          for (std::size_t slot : simulations_[i].points)
            if (--remaining_[slot] == 0) ++points_done;
        },
        [&](std::size_t done) {
          if (progress)
            progress(points_done.load(), planned_.size(),
                     simulations_.empty()
                         ? 1.0
                         : static_cast<double>(done) / static_cast<double>(simulations_.size()));
        });
    return collect();
  }

 private:
  void plan_point(std::size_t index) {
    Document doc = doc_;
    const std::string blame =
        fmt::format("grid point {} ({})", index, describe_point(axes_, index));
    apply_point(axes_, grid_coordinates(axes_, index), doc, request_.scenario, blame);
    PlannedPoint point;
    point.index = index;
    point.scenario = std::make_unique<Scenario>(parse_edited(doc, request_.scenario, blame));
    point.scenario->content_hash = base_.content_hash;
    const MachineProfile* profile = profile_for(*point.scenario);
    doc.erase("strategies");
    const std::string common = doc.dump();
    const std::size_t slot = planned_.size();
    for (const StrategySpec& strategy : point.scenario->strategies) {
      point.runs.push_back(simulation(common, *point.scenario, strategy, profile, slot));
      if (strategy.kind == StrategyKind::serial) point.serial = point.runs.back();
    }
    if (!point.serial && point.scenario->program.empty())
      point.serial = simulation(common, *point.scenario, StrategySpec{}, profile, slot);
    planned_.push_back(std::move(point));
  }

  const MachineProfile* profile_for(const Scenario& scenario) {
    const std::string& name =
        request_.profile.empty() ? scenario.machine.profile : request_.profile;
    auto it = profiles_.find(name);
    if (it == profiles_.end()) it = profiles_.emplace(name, resolve_profile(name)).first;
    return &it->second;
  }

  // The simulation of `strategy` on the scenario whose document, less its strategies, is
  // `common`: an earlier point's when they are the same.
  std::size_t simulation(const std::string& common, const Scenario& scenario,
                         const StrategySpec& strategy, const MachineProfile* profile,
                         std::size_t slot) {
    auto& same_document = by_document_[common];
    std::size_t index = simulations_.size();
    for (std::size_t i : same_document)
      if (simulations_[i].strategy == strategy && simulations_[i].profile == profile) index = i;
    if (index == simulations_.size()) {
      simulations_.push_back({&scenario, strategy, profile, {}});
      same_document.push_back(index);
    }
    auto& users = simulations_[index].points;
    if (users.empty() || users.back() != slot) users.push_back(slot);
    return index;
  }

  void simulate_one(std::size_t i) {
    const Simulation& sim = simulations_[i];
    try {
      const RunResult r =
          simulate(*sim.scenario, sim.strategy, sim.scenario->machine.cores, *sim.profile);
      outcomes_[i] = {result_row(r, sim.scenario->switch_interval, std::nullopt), r.wall};
    } catch (const UserError& e) {
      const std::size_t index = planned_[sim.points.front()].index;
      throw UserError(fmt::format("grid point {} ({})", index, describe_point(axes_, index)),
                      e.what(), e.hint);
    }
  }

  SweepResult collect() {
    SweepResult result;
    const std::size_t speedup = result_column("speedup_vs_serial");
    for (const PlannedPoint& point : planned_) {
      result.points.push_back(point.index);
      for (std::size_t run : point.runs) {
        SweepRow row{point.index, outcomes_[run].cells};
        if (point.serial)
          row.cells[speedup] = speedup_over(outcomes_[*point.serial].wall, outcomes_[run].wall);
        result.rows.push_back(std::move(row));
      }
    }
    return result;
  }

  const SweepRequest& request_;
  const Scenario& base_;
  const Document& doc_;
  const std::vector<Axis>& axes_;
  std::vector<PlannedPoint> planned_;
  std::vector<Simulation> simulations_;
  std::map<std::string, std::vector<std::size_t>> by_document_;
  std::map<std::string, MachineProfile> profiles_;
  std::vector<Outcome> outcomes_;
  std::unique_ptr<std::atomic<std::size_t>[]> remaining_;
};

}  // namespace

SweepPlan plan_sweep(const SweepRequest& request) {
  SweepPlan plan;
  plan.request = request;
  plan.shard = parse_shard(request.shard);
  plan.base = load_scenario(request.scenario);
  GridBuilder builder(request, plan.base);
  plan.axes = builder.build();
  plan.document = builder.document();
  plan.grid_points = grid_points(plan.axes);
  plan.profile =
      resolve_profile(request.profile.empty() ? plan.base.machine.profile : request.profile);
  return plan;
}

SweepResult run_sweep(const SweepPlan& plan, const SweepProgress& progress) {
  SweepResult result = SweepRunner(plan.request, plan.base, plan.document, plan.axes)
                           .run(shard_points(plan.grid_points, plan.shard), progress);
  result.scenario_name = plan.base.name;
  result.description = plan.base.description;
  result.content_hash = plan.base.content_hash;
  result.seed = plan.base.seed;
  result.profile_name = plan.profile.name;
  result.profile_hash = profile_hash(plan.profile);
  result.strategies = plan.request.strategies;
  result.axes = plan.axes;
  result.grid_points = plan.grid_points;
  result.shard = plan.shard;
  return result;
}

}  // namespace gilsim
