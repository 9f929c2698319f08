// The edits a sweep makes to a scenario's JSON document before it parses it with the normal
// parser (sim/scenario.cpp), so a value a sweep sets is checked exactly like one written in the
// file; and the blame: a mistake in an edited document names the option that made the edit
// ("--cores 0"), not a line:column of text the user never wrote.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "gilsim/scenario.hpp"

namespace gilsim {

using Document = nlohmann::ordered_json;

// The value at `pointer`, or nullptr when the scenario leaves it out. A pointer that cannot be
// set (a missing array element, a path through a number) is a UserError naming `option`.
const Document* find_field(const Document& doc, std::string_view pointer, std::string_view option);
// Sets the value at `pointer`, adding missing object members on the way.
void set_field(Document& doc, std::string_view pointer, const Document& value,
               std::string_view option);

// --strategies: the scenario's strategies of these kinds, in this order; a kind the scenario
// does not list comes with its defaults. `parsed` is the scenario as parsed, for its default
// strategies when the file lists none.
void select_strategies(Document& doc, const Scenario& parsed,
                       const std::vector<std::string>& kinds);
// --workers: every strategy with a pool gets `workers`; those of one kind that differed only in
// their workers become one. `parsed` is `doc` as parsed, for its default strategies when it
// lists none (they depend on the work and the Python version).
void set_workers(Document& doc, const Scenario& parsed, std::int64_t workers);

// Parses an edited document as the scenario file `path`. A mistake is rethrown at `blame`
// ("--cores 0"), naming the JSON pointer of the bad value unless it is `own_pointer` (the
// field the blamed option sets; a "*" token matches any one), whose `own_hint` then replaces
// the file-oriented one.
Scenario parse_edited(const Document& doc, const std::string& path, const std::string& blame,
                      std::string_view own_pointer = {}, std::string own_hint = {});

}  // namespace gilsim
