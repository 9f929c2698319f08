// Axis specs to values, and grid points to coordinates. Every mistake is a UserError naming the
// option and quoting the bad part, with an example of what would work.
#include "grid.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <set>

#include "gilsim/error.hpp"
#include "units.hpp"

namespace gilsim {

namespace {

using nlohmann::ordered_json;

constexpr std::string_view kIntegerHint =
    "write values like 1,2,4, a range like 1-64, a step like 1-64:8 or powers of two like "
    "1-64:x2";
constexpr std::string_view kDurationHint =
    "write durations like 0.1ms,1ms,5ms, or a range with a step like 1ms-5ms:1ms or 1ms-16ms:x2";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

// The comma-separated items of a spec, trimmed; an empty one is a mistake.
std::vector<std::string_view> items(std::string_view option, std::string_view spec,
                                    std::string_view hint) {
  if (trim(spec).empty())
    throw UserError(std::string(option), "no values given", std::string(hint));
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t comma = spec.find(',', start);
    const std::string_view item = trim(spec.substr(start, comma - start));
    if (item.empty())
      throw UserError(std::string(option), fmt::format("empty value in \"{}\"", spec),
                      "separate values with single commas, e.g. 1,2,4");
    parts.push_back(item);
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "A-B" or "A-B:STEP" split into its parts; nullopt when the text has no '-'.
struct RangeText {
  std::string_view first, last, step;  // step empty when absent
};
std::optional<RangeText> split_range(std::string_view item) {
  const std::size_t dash = item.find('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  const std::size_t colon = item.find(':', dash);
  RangeText range{
      trim(item.substr(0, dash)),
      trim(item.substr(dash + 1, colon == std::string_view::npos ? colon : colon - dash - 1)),
      colon == std::string_view::npos ? std::string_view{} : trim(item.substr(colon + 1))};
  return range;
}

// Appends first, first+step, ... <= last, or first, first*factor, ... <= last.
class RangeExpander {
 public:
  RangeExpander(std::string_view option, std::string_view item) : option_(option), item_(item) {}

  void arithmetic(std::int64_t first, std::int64_t last, std::int64_t step,
                  std::vector<std::int64_t>& out) const {
    check_order(first, last);
    if (step <= 0)
      fail(fmt::format("step 0 in \"{}\" never moves", item_), "a step is at least 1, e.g. 1-64:8");
    for (std::int64_t v = first;; v += step) {
      push(v, out);
      if (v > last - step) return;
    }
  }

  void geometric(std::int64_t first, std::int64_t last, std::int64_t factor,
                 std::vector<std::int64_t>& out) const {
    check_order(first, last);
    if (first <= 0)
      fail(fmt::format("a geometric range starts above 0, not at 0 in \"{}\"", item_),
           "start at 1, e.g. 1-64:x2");
    if (factor < 2)
      fail(fmt::format("factor x{} in \"{}\" never grows", factor, item_),
           "use x2 or more, e.g. 1-64:x2 for 1, 2, 4, ..., 64");
    for (std::int64_t v = first;; v *= factor) {
      push(v, out);
      if (v > last / factor) return;
    }
  }

 private:
  [[noreturn]] void fail(std::string what, std::string hint) const {
    throw UserError(std::string(option_), std::move(what), std::move(hint));
  }
  void check_order(std::int64_t first, std::int64_t last) const {
    if (first > last)
      fail(fmt::format("empty range \"{}\": it starts after it ends", item_),
           "write the smaller end first, e.g. 1-64");
  }
  void push(std::int64_t v, std::vector<std::int64_t>& out) const {
    if (out.size() >= kMaxAxisValues)
      fail(fmt::format("\"{}\" gives more than {} values", item_, kMaxAxisValues),
           "sweep a coarser grid, e.g. with a step (1-4096:64) or powers of two (1-4096:x2)");
    out.push_back(v);
  }

  std::string_view option_;
  std::string_view item_;
};

// A step ("8", "1ms") or a factor ("x2") of a range.
struct Step {
  bool geometric = false;
  std::int64_t amount = 0;
};

std::optional<Step> integer_step(std::string_view text) {
  const bool geometric = !text.empty() && text.front() == 'x';
  const auto amount = whole_number(geometric ? text.substr(1) : text);
  if (!amount) return std::nullopt;
  return Step{geometric, *amount};
}

std::optional<Step> duration_step(std::string_view text) {
  if (!text.empty() && text.front() == 'x') return integer_step(text);
  const auto amount = parse_duration(text);
  if (!amount) return std::nullopt;
  return Step{false, *amount};
}

void expand(const RangeExpander& expander, std::int64_t first, std::int64_t last, Step step,
            std::vector<std::int64_t>& out) {
  if (step.geometric) return expander.geometric(first, last, step.amount, out);
  expander.arithmetic(first, last, step.amount, out);
}

template <typename T, typename Show>
void check_unique(std::string_view option, const std::vector<T>& values, Show show) {
  std::set<T> seen;
  for (const T& v : values)
    if (!seen.insert(v).second)
      throw UserError(std::string(option), fmt::format("{} is listed twice", show(v)),
                      "list each value once; overlapping ranges repeat their common values");
}

void check_count(std::string_view option, std::size_t count) {
  if (count > kMaxAxisValues)
    throw UserError(std::string(option),
                    fmt::format("more than {} values on one axis", kMaxAxisValues),
                    "sweep a coarser grid, e.g. with a step (1-4096:64) or powers of two");
}

// Durations from one item: "5ms", or a range with a step; nullopt when it is neither.
std::optional<std::vector<DurationValue>> duration_item(std::string_view option,
                                                        std::string_view item) {
  if (const auto single = parse_duration(item))
    return std::vector<DurationValue>{{*single, std::string(item)}};
  const auto range = split_range(item);
  if (!range) return std::nullopt;
  const auto first = parse_duration(range->first);
  const auto last = parse_duration(range->last);
  if (!first || !last) return std::nullopt;
  if (range->step.empty())
    throw UserError(std::string(option), fmt::format("duration range \"{}\" needs a step", item),
                    fmt::format("add one: {}:{} for steps of {}, or {}:x2 to double", item,
                                format_duration_exact(*first), format_duration(*first), item));
  const auto step = duration_step(range->step);
  if (!step)
    throw UserError(std::string(option),
                    fmt::format("\"{}\" is not a step in \"{}\"", range->step, item),
                    std::string(kDurationHint));
  std::vector<Nanos> nanos;
  expand(RangeExpander(option, item), *first, *last, *step, nanos);
  std::vector<DurationValue> out;
  for (Nanos d : nanos) out.push_back({d, format_duration_exact(d)});
  return out;
}

std::optional<std::vector<std::int64_t>> integer_item(std::string_view option,
                                                      std::string_view item) {
  if (const auto single = whole_number(item)) return std::vector<std::int64_t>{*single};
  const auto range = split_range(item);
  if (!range) return std::nullopt;
  const auto first = whole_number(range->first);
  const auto last = whole_number(range->last);
  if (!first || !last) return std::nullopt;
  Step step{false, 1};
  if (!range->step.empty()) {
    const auto parsed = integer_step(range->step);
    if (!parsed)
      throw UserError(std::string(option),
                      fmt::format("\"{}\" is not a step in \"{}\"", range->step, item),
                      std::string(kIntegerHint));
    step = *parsed;
  }
  std::vector<std::int64_t> out;
  expand(RangeExpander(option, item), *first, *last, step, out);
  return out;
}

// One --set item for a field that holds a string: a duration (range) or the text itself.
std::vector<ordered_json> string_set_item(std::string_view option, std::string_view item) {
  std::vector<ordered_json> out;
  if (const auto durations = duration_item(option, item)) {
    for (const DurationValue& d : *durations) out.emplace_back(d.text);
  } else {
    out.emplace_back(std::string(item));
  }
  return out;
}

// One --set item for any other field: integers (ranges), JSON literals, durations, words.
std::vector<ordered_json> other_set_item(std::string_view option, std::string_view item) {
  std::vector<ordered_json> out;
  if (const auto integers = integer_item(option, item)) {
    for (std::int64_t v : *integers) out.emplace_back(v);
  } else if (auto literal = ordered_json::parse(item, nullptr, false); !literal.is_discarded()) {
    out.push_back(std::move(literal));
  } else {
    return string_set_item(option, item);
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> parse_integer_values(std::string_view option, std::string_view spec) {
  std::vector<std::int64_t> values;
  for (std::string_view item : items(option, spec, kIntegerHint)) {
    const auto expanded = integer_item(option, item);
    if (!expanded)
      throw UserError(std::string(option),
                      fmt::format("\"{}\" is not a whole number or a range", item),
                      std::string(kIntegerHint));
    values.insert(values.end(), expanded->begin(), expanded->end());
    check_count(option, values.size());
  }
  check_unique(option, values, [](std::int64_t v) { return std::to_string(v); });
  return values;
}

std::vector<DurationValue> parse_duration_values(std::string_view option, std::string_view spec) {
  std::vector<DurationValue> values;
  for (std::string_view item : items(option, spec, kDurationHint)) {
    const auto expanded = duration_item(option, item);
    if (!expanded)
      throw UserError(std::string(option), fmt::format("\"{}\" is not a duration", item),
                      std::string(kDurationHint));
    values.insert(values.end(), expanded->begin(), expanded->end());
    check_count(option, values.size());
  }
  std::vector<Nanos> nanos;
  for (const DurationValue& v : values) nanos.push_back(v.nanos);
  check_unique(option, nanos, [](Nanos v) { return format_duration_exact(v); });
  return values;
}

std::vector<std::string> parse_word_values(std::string_view option, std::string_view spec) {
  std::vector<std::string> values;
  for (std::string_view item : items(option, spec, "e.g. 3.11,3.12,3.13t"))
    values.emplace_back(item);
  check_unique(option, values, [](const std::string& v) { return fmt::format("\"{}\"", v); });
  return values;
}

std::vector<ordered_json> parse_set_values(std::string_view option, std::string_view spec,
                                           const ordered_json& current) {
  std::vector<ordered_json> values;
  for (std::string_view item : items(option, spec, "e.g. --set /workload/tasks/0/count=10,100")) {
    const auto expanded =
        current.is_string() ? string_set_item(option, item) : other_set_item(option, item);
    values.insert(values.end(), expanded.begin(), expanded.end());
    check_count(option, values.size());
  }
  std::vector<std::string> dumps;
  for (const auto& v : values) dumps.push_back(v.dump());
  check_unique(option, dumps, [](const std::string& v) { return v; });
  return values;
}

std::string axis_option(const Axis& axis) {
  return axis.option == "--set" ? "--set " + axis.pointer : axis.option;
}

std::string axis_argument(const Axis& axis) {
  return axis.option == "--set" ? fmt::format("--set {}={}", axis.pointer, axis.spec)
                                : fmt::format("{} {}", axis.option, axis.spec);
}

std::string axis_value_argument(const Axis& axis, const ordered_json& value) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  return axis.option == "--set" ? fmt::format("--set {}={}", axis.pointer, text)
                                : fmt::format("{} {}", axis.option, text);
}

std::size_t grid_points(const std::vector<Axis>& axes) {
  std::size_t points = 1;
  for (const Axis& axis : axes) {
    if (axis.values.size() > kMaxGridPoints / points)
      throw UserError(axis.option, fmt::format("the grid has more than {} points", kMaxGridPoints),
                      "sweep fewer values per axis, or run separate sweeps");
    points *= axis.values.size();
  }
  return points;
}

std::vector<std::size_t> grid_coordinates(const std::vector<Axis>& axes, std::size_t point) {
  std::vector<std::size_t> coordinates(axes.size());
  for (std::size_t i = axes.size(); i-- > 0;) {
    coordinates[i] = point % axes[i].values.size();
    point /= axes[i].values.size();
  }
  return coordinates;
}

std::string describe_point(const std::vector<Axis>& axes, std::size_t point) {
  const auto coordinates = grid_coordinates(axes, point);
  std::string text;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    if (!text.empty()) text += " ";
    text += axis_value_argument(axes[i], axes[i].values[coordinates[i]]);
  }
  return text;
}

Shard parse_shard(std::string_view text) {
  const std::size_t slash = text.find('/');
  const auto index = whole_number(text.substr(0, slash));
  const auto count =
      slash == std::string_view::npos ? std::nullopt : whole_number(text.substr(slash + 1));
  if (!index || !count)
    throw UserError("--shard", fmt::format("\"{}\" is not a shard", text),
                    "write i/n, e.g. 3/16 for the third of 16 shards");
  if (*count < 1 || *index < 1 || *index > *count)
    throw UserError("--shard",
                    fmt::format("\"{}\" is not a shard: shards are numbered from 1 to {}", text,
                                std::max<std::int64_t>(*count, 1)),
                    *count < 1 ? "there is at least 1 shard, e.g. 1/1"
                               : fmt::format("e.g. 1/{} to {}/{}; with a 0-based array index "
                                             "(Kubernetes), add 1",
                                             *count, *count, *count));
  return {static_cast<std::size_t>(*index), static_cast<std::size_t>(*count)};
}

std::vector<std::size_t> shard_points(std::size_t grid_points, Shard shard) {
  std::vector<std::size_t> points;
  for (std::size_t p = shard.index - 1; p < grid_points; p += shard.count) points.push_back(p);
  return points;
}

std::size_t shard_of(std::size_t point, std::size_t shard_count) { return point % shard_count + 1; }

}  // namespace gilsim
