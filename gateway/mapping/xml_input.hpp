#pragma once
// Reads XML input for a mapping safely and puts its names into the mapping's terms. DTDs are never processed:
// a document whose DOCTYPE declares entities is refused (billion-laughs / external entities), other DOCTYPEs are
// skipped. Then every element and attribute is renamed to the prefix the mapping declares for its namespace URI,
// so the mapping's XPaths (compiled once, with those prefixes) match whatever prefixes the sender chose.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "gateway/core/result.hpp"

namespace gw::mapping {

using Namespaces = std::vector<std::pair<std::string, std::string>>;  // prefix -> URI

Result<std::shared_ptr<pugi::xml_document>> parse_xml_input(std::string_view text, const Namespaces& namespaces);

}  // namespace gw::mapping
