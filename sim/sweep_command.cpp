#include "sweep_command.hpp"

#include <utility>

#include "merge.hpp"
#include "output.hpp"
#include "plot.hpp"
#include "progress.hpp"
#include "sweep_report.hpp"

namespace gilsim {

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string format_for(const std::string& file, const SweepOutputs& outputs) {
  if (outputs.format_given || file == "-") return outputs.format;
  if (ends_with(file, ".csv")) return "csv";
  if (ends_with(file, ".json")) return "json";
  return "table";
}

std::string render(const SweepResult& sweep, const std::string& format) {
  if (format == "csv") return format_sweep_csv(sweep);
  if (format == "json") return format_sweep_json(sweep);
  return format_sweep_table(sweep);
}

// Everything is rendered before anything is written: a failing plot leaves no CSV behind.
void write_all(const SweepResult& sweep, const SweepOutputs& outputs) {
  std::vector<std::pair<std::string, std::string>> files;
  if (outputs.files.empty()) files.emplace_back("-", render(sweep, outputs.format));
  for (const std::string& file : outputs.files)
    files.emplace_back(file, render(sweep, format_for(file, outputs)));
  if (!outputs.plot.empty())
    files.emplace_back(outputs.plot, plot_svg(sweep, parse_plot_metric(outputs.plot_metric)));
  for (const auto& [path, content] : files) write_output(path, content);
}

}  // namespace

int sweep_command(const SweepRequest& request, const SweepOutputs& outputs) {
  const SweepPlan plan = plan_sweep(request);
  if (!outputs.plot.empty())
    check_plot(plan.axes.size(), parse_plot_metric(outputs.plot_metric), plan.base.program.empty());
  SweepResult sweep;
  {
    ProgressLine progress("sweep", stderr_is_terminal());
    sweep = run_sweep(plan, [&](std::size_t done, std::size_t points, double share) {
      progress.show(done, points, "points", share);
    });
  }
  write_all(sweep, outputs);
  return 0;
}

int merge_command(const std::vector<std::string>& parts, const SweepOutputs& outputs) {
  write_all(merge_files(parts), outputs);
  return 0;
}

}  // namespace gilsim
