#pragma once
// Domain validation of the canonical model. Every problem is reported at once, each with the path of the field in
// dotted form with 0-based array indexes, e.g.
//   lines[2].gtin: check digit 3 does not match computed 7 for "07038010069303"
//   recipient.address.postal_code: expected 4 digits, got "133"
// so a negative acknowledgement can list everything the care system has to fix in one round trip.
//
// Parsing (json.hpp, inbound mappings) only checks shape; these functions check meaning. The full rule list is in
// gateway/model/README.md.

#include <string>
#include <vector>

#include "gateway/core/error.hpp"
#include "gateway/model/care_order.hpp"
#include "gateway/model/order_event.hpp"

namespace gw::model {

struct Problem {
    std::string path;     // "lines[2].gtin"; "" for the whole object
    std::string message;  // what is wrong, never echoing a suspected national identity number

    std::string to_string() const;  // "PATH: MESSAGE"
    friend bool operator==(const Problem&, const Problem&) = default;
};

struct ValidationOptions {
    // An inbound mapping validates before the store assigns the gateway id.
    bool require_gateway_id = true;
};

// Empty when the order is valid. Problems come in field order.
std::vector<Problem> validate(const CareOrder& order, const ValidationOptions& options = {});

// Checks the event on its own: ids present, line outcomes consistent with their kind, quantities > 0, GTINs valid.
std::vector<Problem> validate(const OrderEvent& event);

// validate(event) plus: the event belongs to `order` (order_id == gateway_id) and every outcome names a line of it.
std::vector<Problem> validate(const OrderEvent& event, const CareOrder& order);

// One Error (invalid_value) for a non-empty problem list: the message joins every "PATH: MESSAGE" with "; ".
// where.path stays empty (the paths are in the message; Error::to_string would print the first one twice).
Error to_error(const std::vector<Problem>& problems);

}  // namespace gw::model
