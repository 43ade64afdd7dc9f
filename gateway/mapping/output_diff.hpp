#pragma once
// Readable differences between an expected and an actual mapping output, for `gateway test`: JSON compared
// structurally (one line per differing JSON pointer), XML and HL7 compared as normalised text (one line per
// differing line). An empty result means equal.

#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace gw::mapping {

std::vector<std::string> diff_json(const boost::json::value& expected, const boost::json::value& actual);
// Every member of `subset` must be in `actual` with an equal value (scalars compare as text, so 2 matches "2");
// arrays compare element by element for the elements `subset` lists.
std::vector<std::string> diff_json_subset(const boost::json::value& subset, const boost::json::value& actual);
// XML: both parsed and re-indented first, so formatting does not matter. HL7: CR/LF normalised.
std::vector<std::string> diff_text_lines(const std::string& expected, const std::string& actual);
std::string normalise_xml(const std::string& xml);

}  // namespace gw::mapping
