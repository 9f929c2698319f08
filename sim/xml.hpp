// Text and attribute values in the SVG pictures (timeline, sweep plots): the characters that
// would end a tag or an attribute, as entities.
#pragma once

#include <string>
#include <string_view>

namespace gilsim {

inline std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace gilsim
