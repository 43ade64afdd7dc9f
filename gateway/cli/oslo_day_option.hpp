#pragma once
// `--at` of `gateway routes` and `gateway check`: a Europe/Oslo calendar day given as YYYY-MM-DD, or as an RFC 3339
// instant (whose Oslo day is taken: 2026-11-30T23:30:00Z is 2026-12-01 in Oslo); empty means today.

#include <string>

#include "gateway/core/result.hpp"

namespace gw::cli {

Result<std::string> oslo_day(const std::string& at);

}  // namespace gw::cli
