#include "gateway/store/open_store.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "gateway/store/postgres_store.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace gw::store {

Result<std::unique_ptr<Store>> open_store(const OpenStoreOptions& options) {
    if (options.kind == "sqlite") {
        if (options.path.empty()) return make_error(ErrorCode::invalid_argument, "store: sqlite needs a path");
        std::error_code ec;
        const auto parent = std::filesystem::path(options.path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);  // open() reports what still fails
        SqliteStoreOptions sqlite;
        sqlite.path = options.path;
        auto opened = SqliteStore::open(std::move(sqlite));
        if (!opened) return std::move(opened).error();
        return std::unique_ptr<Store>(std::move(opened).value());
    }
    if (options.kind == "postgres") {
        PostgresStoreOptions postgres;
        postgres.dsn = options.dsn;
        postgres.wait_for_database = options.wait_for_database;
        postgres.on_fatal = options.on_fatal;
        auto opened = PostgresStore::open(std::move(postgres));
        if (!opened) return std::move(opened).error();
        return std::unique_ptr<Store>(std::move(opened).value());
    }
    return make_error(ErrorCode::invalid_argument,
                      fmt::format("store: unknown store kind '{}' (expected sqlite or postgres)", options.kind));
}

}  // namespace gw::store
