#pragma once
// A mapping trace for the admin API: runs an inbound mapping on a stored message again and lists, for every output
// field, the input location it was read from (as written in the mapping: "PID-5.1", "/order/id") and the value it
// got. An operator looking at a wrong delivery address sees at once which HL7 field it came from. Values are
// personal data; the API masks them for callers without phi-reader.
//
//   {"mapping": "oms-o05", "file": "mappings/inbound/oms-o05.yaml",
//    "fields": [{"output": "recipient.name.family", "source": "PID-5.1", "value": "Johansen"}, ...]}
// A run that fails returns the mapping's error (it names the field and input location).

#include <string_view>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::ops {

Result<boost::json::value> trace_mapping(const mapping::Mapping& mapping, std::string_view input);

}  // namespace gw::ops
