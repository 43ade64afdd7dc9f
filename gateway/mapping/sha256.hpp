#pragma once
// SHA-256 and HMAC-SHA-256 for pseudonyms in mappings (hash a care-system id before it leaves for a grocer). Small
// and self-contained so the mapping library does not pull OpenSSL into every tool that links it.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace gw::mapping {

std::array<std::uint8_t, 32> sha256(std::string_view data);
std::array<std::uint8_t, 32> hmac_sha256(std::string_view key, std::string_view data);
std::string to_hex(const std::array<std::uint8_t, 32>& digest);

}  // namespace gw::mapping
