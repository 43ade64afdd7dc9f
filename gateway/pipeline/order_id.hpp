#pragma once
// Gateway order ids: "GW-" + a ULID (48-bit millisecond time + 80 random bits, Crockford base32). Unique across
// gateway instances and store resets without coordination — the id is the Idempotency-Key grocers deduplicate on,
// so it must never repeat, not even after the database was recreated — and sortable by creation time.

#include <chrono>
#include <string>

namespace gw::pipeline {

std::string new_order_id(std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace gw::pipeline
