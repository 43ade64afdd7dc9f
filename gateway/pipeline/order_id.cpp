#include "gateway/pipeline/order_id.hpp"

#include <array>
#include <cstdint>
#include <random>

#include <openssl/rand.h>

namespace gw::pipeline {

std::string new_order_id(std::chrono::system_clock::time_point now) {
    static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    std::array<unsigned char, 10> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        // OpenSSL's generator cannot fail on Linux once seeded; keep ids unique even if it did.
        thread_local std::mt19937_64 fallback{std::random_device{}()};
        for (auto& b : random) b = static_cast<unsigned char>(fallback());
    }
    std::string id = "GW-";
    id.reserve(3 + 26);
    for (int i = 9; i >= 0; --i) id += kAlphabet[(ms >> (i * 5)) & 31];  // 10 chars of time (50 bits, top 2 zero)
    // 80 random bits -> 16 chars.
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    for (int i = 0; i < 5; ++i) hi = (hi << 8) | random[static_cast<std::size_t>(i)];
    for (int i = 5; i < 10; ++i) lo = (lo << 8) | random[static_cast<std::size_t>(i)];
    for (int i = 7; i >= 0; --i) id += kAlphabet[(hi >> (i * 5)) & 31];
    for (int i = 7; i >= 0; --i) id += kAlphabet[(lo >> (i * 5)) & 31];
    return id;
}

}  // namespace gw::pipeline
