#pragma once
// JSON text for mapping outputs. Boost.JSON prints doubles in exponent form ("1.5E0"); grocer APIs and people
// expect "1.5", so numbers are printed in their shortest plain form here. Optionally indented for `translate`.

#include <string>

#include <boost/json/value.hpp>

namespace gw::mapping {

std::string to_json_text(const boost::json::value& value, bool pretty = false);

}  // namespace gw::mapping
