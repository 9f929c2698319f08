// A parsed JSON document that remembers where each value was written, so an error about
// /workload/tasks/0/ops/1/cpu can say "scenario.json:12:20". nlohmann::json keeps no positions:
// after it has parsed the text, a small scanner walks the same text and records the offset of
// every value (and of every object key) by JSON pointer. The scanner also rejects duplicate
// keys, which nlohmann would silently resolve to the last one.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gilsim {

class JsonSource {
 public:
  // Parses `text` read from `path` (used only in messages). A syntax error or a duplicate key
  // throws UserError located at "FILE:LINE:COL".
  static JsonSource parse(std::string text, std::string path);

  const nlohmann::json& root() const { return root_; }
  const std::string& path() const { return path_; }

  // "FILE:LINE:COL: /json/pointer" for the value at p, or for its nearest existing parent when
  // p does not exist (a missing key is reported at the object that lacks it). The root's
  // location is just "FILE:LINE:COL".
  std::string where(const nlohmann::json::json_pointer& p) const;
  // The same, but LINE:COL of the object key that names p ("corse" in {"corse": 4}); for an
  // array element or the root, the value's position.
  std::string where_key(const nlohmann::json::json_pointer& p) const;

  // Throw UserError(where(p), what, hint) / UserError(where_key(p), what, hint).
  [[noreturn]] void fail(const nlohmann::json::json_pointer& p, std::string what,
                         std::string hint) const;
  [[noreturn]] void fail_key(const nlohmann::json::json_pointer& p, std::string what,
                             std::string hint) const;

  // Where a value was written; offsets are bytes into the text.
  struct Position {
    std::string pointer;  // nlohmann's to_string(): "" for the root, "/a/0/b~1c"
    std::size_t value_offset = 0;
    std::size_t key_offset = 0;  // == value_offset for array elements and the root
  };

 private:
  JsonSource() = default;
  const Position& find(const nlohmann::json::json_pointer& p) const;
  std::string location(const nlohmann::json::json_pointer& p, std::size_t offset) const;

  std::string text_;
  std::string path_;
  nlohmann::json root_;
  std::vector<Position> positions_;  // sorted by pointer
};

}  // namespace gilsim
