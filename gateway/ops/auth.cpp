#include "gateway/ops/auth.hpp"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "gateway/config/yaml_reader.hpp"

namespace gw::ops {

std::string_view to_string(Role role) noexcept {
    switch (role) {
        case Role::viewer: return "viewer";
        case Role::operator_: return "operator";
        case Role::phi_reader: return "phi-reader";
    }
    return "unknown";
}

std::optional<Role> parse_role(std::string_view name) noexcept {
    for (Role r : {Role::viewer, Role::operator_, Role::phi_reader}) {
        if (to_string(r) == name) return r;
    }
    return std::nullopt;
}

std::vector<std::string> Principal::role_names() const {
    std::vector<std::string> out;
    for (Role r : {Role::viewer, Role::operator_, Role::phi_reader}) {
        if (has(r)) out.emplace_back(to_string(r));
    }
    return out;
}

TokenStore::TokenStore(std::vector<TokenEntry> entries) : entries_(std::move(entries)) {}

namespace {

bool is_hex64(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

Result<TokenStore> read_tokens(std::optional<YAML::Node> root, config::Diagnostics& diagnostics,
                               const std::string& file_name) {
    std::vector<TokenEntry> entries;
    if (root) {
        config::ReadContext ctx{&diagnostics, config::process_env(),
                                std::filesystem::path(file_name).parent_path().string()};
        config::ObjectReader reader(ctx, *root, "");
        if (reader.valid()) {
            reader.list(
                "tokens",
                [&](config::ObjectReader& r, std::size_t) {
                    TokenEntry entry;
                    entry.name = r.string("name", true).value_or("");
                    std::string hash = r.string("sha256", true).value_or("");
                    std::transform(hash.begin(), hash.end(), hash.begin(),
                                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                    if (r.has("sha256") && !is_hex64(hash)) {
                        r.error("sha256", ErrorCode::invalid_value,
                                "sha256 must be 64 hex digits: the SHA-256 of the token, never the token itself",
                                "printf %s \"$TOKEN\" | sha256sum");
                    }
                    entry.sha256_hex = hash;
                    const auto roles = r.string_list("roles");
                    if (roles.empty()) {
                        r.error("roles", ErrorCode::missing_required,
                                "a token needs at least one role: viewer, operator, phi-reader");
                    }
                    for (const auto& name : roles) {
                        if (auto role = parse_role(name)) {
                            entry.roles |= static_cast<std::uint8_t>(*role);
                        } else {
                            r.error("roles", ErrorCode::invalid_value, fmt::format("unknown role '{}'", name),
                                    config::did_you_mean(name, {"viewer", "operator", "phi-reader"}));
                        }
                    }
                    for (const auto& other : entries) {
                        if (!entry.name.empty() && other.name == entry.name) {
                            r.error("name", ErrorCode::conflict,
                                    fmt::format("token name '{}' is used twice", entry.name));
                        }
                        if (!entry.sha256_hex.empty() && other.sha256_hex == entry.sha256_hex) {
                            r.error("sha256", ErrorCode::conflict,
                                    fmt::format("the same token is listed for '{}' and '{}'", other.name,
                                                entry.name));
                        }
                    }
                    entries.push_back(std::move(entry));
                },
                true);
            reader.finish();
        }
    }
    auto errors = diagnostics.sorted();
    if (!errors.empty()) {
        // One Error that prints every problem, each on its own FILE:LINE:COL line with its own hint.
        Error first = errors.front();
        if (!first.hint.empty()) first.message += " (hint: " + std::exchange(first.hint, {}) + ")";
        for (std::size_t i = 1; i < errors.size(); ++i) first.message += "\n" + errors[i].to_string();
        return first;
    }
    return TokenStore(std::move(entries));
}

}  // namespace

Result<TokenStore> TokenStore::load(const std::string& path) {
    config::Diagnostics diagnostics(path);
    auto root = config::load_yaml_file(path, diagnostics);
    return read_tokens(std::move(root), diagnostics, path);
}

Result<TokenStore> TokenStore::parse(std::string_view yaml, const std::string& file_name) {
    config::Diagnostics diagnostics(file_name);
    auto root = config::parse_yaml(yaml, diagnostics);
    return read_tokens(std::move(root), diagnostics, file_name);
}

std::optional<Principal> TokenStore::authenticate(std::string_view token) const {
    if (token.empty()) return std::nullopt;
    const std::string digest = sha256_hex(token);
    const TokenEntry* found = nullptr;
    for (const auto& entry : entries_) {
        // Every entry is compared, in constant time each.
        if (entry.sha256_hex.size() == digest.size() &&
            CRYPTO_memcmp(entry.sha256_hex.data(), digest.data(), digest.size()) == 0) {
            found = &entry;
        }
    }
    if (!found) return std::nullopt;
    return Principal{found->name, found->roles};
}

std::string sha256_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
    while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return std::nullopt;
    }
    auto token = authorization.substr(scheme.size() + 1);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\r')) token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

}  // namespace gw::ops
