#pragma once
// Test support for the routing integration tests (reload under load, switch-over): unique HL7 orders made from the
// shipped samples, an MLLP sender that records every ACK, and read-only SQL counts on the gateway's SQLite file.

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gateway/mllp/client.hpp"

namespace gw::testing {

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string sample(const std::string& name) {
    return read_text(std::string(GATEWAY_SOURCE_DIR) + "/mappings/inbound/samples/" + name);
}

// The sample with its own MSH-10 (message control id) and ORC-2 (placer order number): a new order, not a resend.
inline std::string unique_order(std::string_view sample_text, const std::string& control_id,
                                const std::string& placer_order_number) {
    std::string out;
    std::size_t start = 0;
    while (start < sample_text.size()) {
        auto end = sample_text.find_first_of("\r\n", start);
        if (end == std::string_view::npos) end = sample_text.size();
        std::string segment(sample_text.substr(start, end - start));
        const int field = segment.starts_with("MSH|") ? 9 : segment.starts_with("ORC|") ? 2 : -1;
        if (field > 0) {
            std::size_t pos = 0;
            for (int i = 0; i < field && pos != std::string::npos; ++i) pos = segment.find('|', pos + (i ? 1 : 0));
            if (pos != std::string::npos) {
                const auto next = segment.find('|', pos + 1);
                segment.replace(pos + 1, (next == std::string::npos ? segment.size() : next) - pos - 1,
                                field == 9 ? control_id : placer_order_number);
            }
        }
        if (!segment.empty()) out += segment + "\r";
        start = end + 1;
    }
    return out;
}

// The MSA-1 code of an ACK ("AA", "AE", "AR"), empty when there is none.
inline std::string ack_code(std::string_view ack) {
    const auto pos = ack.find("MSA|");
    if (pos == std::string_view::npos || pos + 6 > ack.size()) return {};
    return std::string(ack.substr(pos + 4, 2));
}

// Whether the ACK says the message was taken: AA (original mode) or CA (enhanced mode's commit accept, which the
// samples ask for with MSH-15 = AL).
inline bool accepted(std::string_view code) { return code == "AA" || code == "CA"; }

// Read-only SQL on the gateway's database while it runs (WAL: readers never block the writer).
class DbReader {
public:
    explicit DbReader(const std::string& path) {
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
        if (db_) sqlite3_busy_timeout(db_, 5000);
    }
    ~DbReader() { sqlite3_close(db_); }
    DbReader(const DbReader&) = delete;
    DbReader& operator=(const DbReader&) = delete;

    long long count(const std::string& sql) const {
        sqlite3_stmt* st = nullptr;
        long long n = -1;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return n;
    }
    std::vector<std::string> column(const std::string& sql) const {
        std::vector<std::string> out;
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW) {
                const auto* text = sqlite3_column_text(st, 0);
                out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
            }
        }
        sqlite3_finalize(st);
        return out;
    }
    // Polls `sql` until it yields `expected` or `timeout` passes; returns the last value.
    long long wait_for(const std::string& sql, long long expected, std::chrono::milliseconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        long long n = count(sql);
        while (n != expected && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            n = count(sql);
        }
        return n;
    }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace gw::testing
