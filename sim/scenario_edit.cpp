#include "scenario_edit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <type_traits>

#include "gilsim/error.hpp"
#include "scenario.hpp"

namespace gilsim {

namespace {

using Pointer = Document::json_pointer;

// The strategy kinds that have a pool of workers (their "workers" knob).
constexpr std::array<std::string_view, 4> kPooledKinds{"threads", "processes", "free-threaded",
                                                       "subinterpreters"};

Pointer pointer_of(std::string_view text, std::string_view option) {
  if (text.empty() || text == "/")
    throw UserError(std::string(option), fmt::format("\"{}\" names no field", text),
                    "give the path of one scenario field, e.g. /workload/tasks/0/count");
  try {
    return Pointer(std::string(text));
  } catch (const nlohmann::json::exception&) {
    throw UserError(std::string(option), fmt::format("\"{}\" is not a JSON pointer", text),
                    "write the path of a scenario field from the root, with / between keys and "
                    "array indexes, e.g. /workload/tasks/0/count");
  }
}

std::string type_name(const Document& v) {
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return v.is_array() ? "an array" : "an object";
}

std::vector<std::string> tokens_of(Pointer pointer) {
  std::vector<std::string> tokens;
  for (; !pointer.empty(); pointer.pop_back()) tokens.push_back(pointer.back());
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

[[noreturn]] void no_such_field(std::string_view option, const Pointer& here,
                                const std::string& token, const Document& node) {
  const std::string missing = (here / token).to_string();
  const std::string parent = here.empty() ? "the scenario" : here.to_string();
  if (!node.is_array())
    throw UserError(std::string(option),
                    fmt::format("the scenario has no {}: {} is {}, not an object", missing, parent,
                                type_name(node)),
                    "give the path of a scenario field, e.g. /workload/tasks/0/count");
  throw UserError(std::string(option),
                  fmt::format("the scenario has no {}: {} has {} element{}", missing, parent,
                              node.size(), node.size() == 1 ? "" : "s"),
                  node.empty() ? "add the element to the scenario file first"
                               : fmt::format("use an index from 0 to {}", node.size() - 1));
}

// The index `token` names in array `node`; a missing element is a mistake (a sweep adds
// members to objects, never elements to arrays).
std::size_t element(std::string_view option, const Pointer& here, const std::string& token,
                    const Document& node) {
  const bool digits = !token.empty() && token.size() < 10 &&
                      token.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(token) >= node.size()) no_such_field(option, here, token, node);
  return std::stoul(token);
}

// The value holding the pointer's last token. On the way, a missing object member is added
// (create) or ends the walk with nullptr; a missing array element or a scalar is a mistake.
template <typename Doc>  // Document, or const Document when !create
Doc* parent_of(Doc& doc, const std::vector<std::string>& tokens, std::string_view option,
               bool create) {
  Doc* node = &doc;
  Pointer here;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (node->is_object()) {
      if (!node->contains(token)) {
        if constexpr (std::is_const_v<Doc>) {
          return nullptr;
        } else {
          if (!create) return nullptr;
          (*node)[token] = Document::object();
        }
      }
      node = &(*node)[token];
    } else if (node->is_array()) {
      node = &(*node)[element(option, here, token, *node)];
    } else {
      no_such_field(option, here, token, *node);
    }
    here /= token;
  }
  return node;
}

std::string kind_of(const Document& strategy) {
  if (strategy.is_string()) return strategy.get<std::string>();
  if (strategy.is_object() && strategy.contains("kind") && strategy["kind"].is_string())
    return strategy["kind"].get<std::string>();
  return "";
}

// A parsed strategy as a scenario writes it: its kind, and each knob that is not the default.
Document strategy_json(const StrategySpec& s) {
  Document j = {{"kind", std::string(to_string(s.kind))}};
  if (s.workers) j["workers"] = *s.workers;
  if (s.start_method) j["start_method"] = std::string(to_string(*s.start_method));
  if (s.chunksize != 1) j["chunksize"] = s.chunksize;
  if (s.threads_per_worker != 1) j["threads_per_worker"] = s.threads_per_worker;
  if (s.concurrency) j["concurrency"] = *s.concurrency;
  if (!s.to_thread.empty()) {
    j["to_thread"] = Document::array();
    for (OpKind op : s.to_thread) j["to_thread"].push_back(std::string(to_string(op)));
  }
  if (s.python) j["python"] = std::string(to_string(*s.python));
  if (s.shared_fraction != 0) j["shared_fraction"] = s.shared_fraction;
  return j.size() == 1 ? j["kind"] : j;
}

// The scenario's "strategies" array, written out from its parsed defaults when the file has
// none (the defaults depend on the work and the Python version: `parsed` must be the document
// as edited so far).
Document& strategies_of(Document& doc, const Scenario& parsed, std::string_view option) {
  if (!parsed.program.empty())
    throw UserError(std::string(option),
                    "the scenario is a \"program\": its threads run as written, with no "
                    "strategies to choose or pools to size",
                    "sweep --cores, --switch-interval or --set instead, or describe the work as "
                    "a \"workload\"");
  if (!doc.contains("strategies")) {
    Document list = Document::array();
    for (const StrategySpec& s : parsed.strategies) list.push_back(strategy_json(s));
    doc["strategies"] = std::move(list);
  }
  return doc["strategies"];
}

// pointer == pattern, where a "*" token of the pattern matches any one token.
bool matches(const std::string& pointer, std::string_view pattern) {
  std::size_t i = 0, j = 0;
  while (i < pointer.size() && j < pattern.size()) {
    if (pattern[j] == '*') {
      while (i < pointer.size() && pointer[i] != '/') ++i;
      ++j;
    } else if (pointer[i++] != pattern[j++]) {
      return false;
    }
  }
  return i == pointer.size() && j == pattern.size();
}

}  // namespace

const Document* find_field(const Document& doc, std::string_view pointer, std::string_view option) {
  const auto tokens = tokens_of(pointer_of(pointer, option));
  const Document* parent = parent_of(doc, tokens, option, false);
  if (parent == nullptr) return nullptr;
  const Pointer here = pointer_of(pointer, option).parent_pointer();
  if (parent->is_object()) {
    const auto it = parent->find(tokens.back());
    return it == parent->end() ? nullptr : &*it;
  }
  if (parent->is_array()) return &(*parent)[element(option, here, tokens.back(), *parent)];
  no_such_field(option, here, tokens.back(), *parent);
}

void set_field(Document& doc, std::string_view pointer, const Document& value,
               std::string_view option) {
  const auto tokens = tokens_of(pointer_of(pointer, option));
  Document* parent = parent_of(doc, tokens, option, true);
  const Pointer here = pointer_of(pointer, option).parent_pointer();
  if (parent->is_object()) {
    (*parent)[tokens.back()] = value;
  } else if (parent->is_array()) {
    (*parent)[element(option, here, tokens.back(), *parent)] = value;
  } else {
    no_such_field(option, here, tokens.back(), *parent);
  }
}

void select_strategies(Document& doc, const Scenario& parsed,
                       const std::vector<std::string>& kinds) {
  const Document listed = strategies_of(doc, parsed, "--strategies");
  Document chosen = Document::array();
  for (const std::string& kind : kinds) {
    bool found = false;
    for (const Document& strategy : listed) {
      if (kind_of(strategy) != kind) continue;
      chosen.push_back(strategy);
      found = true;
    }
    if (!found) chosen.push_back(kind);
  }
  doc["strategies"] = std::move(chosen);
}

void set_workers(Document& doc, const Scenario& parsed, std::int64_t workers) {
  Document& listed = strategies_of(doc, parsed, "--workers");
  Document sized = Document::array();
  std::vector<std::string> seen;
  for (const Document& strategy : listed) {
    const std::string kind = kind_of(strategy);
    const bool pooled =
        std::find(kPooledKinds.begin(), kPooledKinds.end(), kind) != kPooledKinds.end();
    if (!pooled) {
      sized.push_back(strategy);
      continue;
    }
    if (std::find(seen.begin(), seen.end(), kind) != seen.end()) continue;
    seen.push_back(kind);
    Document object = strategy.is_object() ? strategy : Document{{"kind", kind}};
    object["workers"] = workers;
    sized.push_back(std::move(object));
  }
  if (seen.empty()) {
    std::string names;
    for (const Document& strategy : listed)
      names += (names.empty() ? "" : ", ") + kind_of(strategy);
    throw UserError(
        "--workers",
        fmt::format("none of the scenario's strategies ({}) has a pool of workers", names),
        "add one, e.g. --strategies serial,threads");
  }
  listed = std::move(sized);
}

Scenario parse_edited(const Document& doc, const std::string& path, const std::string& blame,
                      std::string_view own_pointer, std::string own_hint) {
  try {
    return parse_scenario(doc.dump(), path);
  } catch (const UserError& e) {
    // e.where is "FILE:LINE:COL: /pointer" for a mistake in the document.
    const std::size_t at = e.where.find(": /");
    const std::string pointer = at == std::string::npos ? "" : e.where.substr(at + 2);
    if (!own_pointer.empty() && matches(pointer, own_pointer))
      throw UserError(blame, e.what_wrong, own_hint.empty() ? e.hint : std::move(own_hint));
    throw UserError(blame, pointer.empty() ? e.what_wrong : pointer + ": " + e.what_wrong, e.hint);
  }
}

}  // namespace gilsim
