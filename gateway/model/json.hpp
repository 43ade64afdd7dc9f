#pragma once
// JSON form of the canonical model (Boost.JSON): what the store persists, the admin API shows and mapping tests
// compare against. The shape is a contract, documented field by field in gateway/model/README.md:
//   - snake_case keys, output in a fixed order; optional fields are omitted when absent (null is read as absent);
//   - enums as lower_snake strings ("partially_accepted"), dates "2026-11-26", times "08:00", timestamps RFC 3339
//     with offset ("2026-11-25T14:03:00+01:00");
//   - quantities as decimal strings ("0.5"), never JSON numbers: a double would not keep them exact;
//   - vendor_event_id as a string (ids above 2^53 do not survive a JSON double).
// Parsing checks shape only (types, grammar of dates and decimals, enum names, unknown keys) and stops at the first
// problem, naming it with a JSON Pointer: "/lines/0/quantity: expected a decimal string like \"2\" or \"0.5\"". Run
// validate() (validation.hpp) on the result for the domain rules. to_json and *_from_json round-trip exactly.
// Nothing here throws except std::bad_alloc.

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"
#include "gateway/model/care_order.hpp"
#include "gateway/model/order_event.hpp"

namespace gw::model {

boost::json::value to_json(const CareOrder& order);
boost::json::value to_json(const OrderEvent& event);

// Compact JSON text of to_json().
std::string to_json_string(const CareOrder& order);
std::string to_json_string(const OrderEvent& event);

// Errors: parse_error (malformed JSON, where.byte_offset set), wrong_type, missing_required, unknown_key,
// invalid_value (bad date/time/decimal/enum text); where.path is the JSON Pointer of the offending value.
// The *_from_value forms read an already parsed document (names differ so a string literal is never ambiguous
// between JSON text and a JSON string value).
Result<CareOrder> care_order_from_json(std::string_view text);
Result<CareOrder> care_order_from_value(const boost::json::value& json);
Result<OrderEvent> order_event_from_json(std::string_view text);
Result<OrderEvent> order_event_from_value(const boost::json::value& json);

}  // namespace gw::model
