#pragma once
// Who may call the admin API. Callers present `Authorization: Bearer TOKEN`; the tokens file (admin.tokens_file)
// holds only the SHA-256 of each token, so a leaked file or backup does not leak working credentials:
//
//   # printf %s "$TOKEN" | sha256sum
//   tokens:
//     - name: ops-alice                 # who, in the audit log
//       sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//       roles: [viewer, operator]
//
// Roles (they add up):
//   viewer      read: search and show messages, orders, dead letters, vendors, routes, metrics views, scorecard;
//               personal data masked
//   operator    viewer + act: replay, pause/resume a vendor, reload, read the audit log
//   phi-reader  may ask for personal data unmasked (with a stated reason, audited); reading still needs viewer or
//               operator
//
// Unknown keys, bad hashes, unknown roles and duplicate names are errors with FILE:LINE:COL.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"

namespace gw::ops {

enum class Role : std::uint8_t { viewer = 1, operator_ = 2, phi_reader = 4 };
std::string_view to_string(Role role) noexcept;  // "viewer", "operator", "phi-reader"
std::optional<Role> parse_role(std::string_view name) noexcept;

struct Principal {
    std::string name;
    std::uint8_t roles = 0;

    bool has(Role role) const noexcept { return (roles & static_cast<std::uint8_t>(role)) != 0; }
    bool can_read() const noexcept { return has(Role::viewer) || has(Role::operator_); }
    bool can_act() const noexcept { return has(Role::operator_); }
    bool can_unmask() const noexcept { return has(Role::phi_reader) && can_read(); }
    std::vector<std::string> role_names() const;
};

struct TokenEntry {
    std::string name;
    std::string sha256_hex;  // 64 lowercase hex digits
    std::uint8_t roles = 0;
};

class TokenStore {
  public:
    TokenStore() = default;  // no tokens: every call is refused
    explicit TokenStore(std::vector<TokenEntry> entries);

    // Reads a tokens file; every problem is reported (FILE:LINE:COL: error: ...).
    static Result<TokenStore> load(const std::string& path);
    static Result<TokenStore> parse(std::string_view yaml, const std::string& file_name);

    // The principal for a presented token, or nullopt. Compares digests in constant time over every entry, so
    // timing says nothing about which entry came close.
    std::optional<Principal> authenticate(std::string_view token) const;

    std::size_t size() const noexcept { return entries_.size(); }

  private:
    std::vector<TokenEntry> entries_;
};

// Lowercase hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

// The token of an "Authorization: Bearer TOKEN" header value (scheme case-insensitive), or nullopt.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

}  // namespace gw::ops
