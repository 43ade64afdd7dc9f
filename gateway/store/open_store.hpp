#pragma once
// Opens the store the configuration names: `store: {kind: sqlite, path: ...}` (one gateway instance) or
// `store: {kind: postgres, dsn: ...}` (several instances sharing one database). The one place that knows both
// implementations; everything else sees only the Store interface.

#include <functional>
#include <memory>
#include <string>

#include "gateway/store/store.hpp"

namespace gw::store {

struct OpenStoreOptions {
    std::string kind = "sqlite";  // sqlite | postgres
    std::string path;             // sqlite: the database file (its folder is created)
    std::string dsn;              // postgres: libpq key=value string or postgresql:// URI
    // postgres: a database that cannot be reached yet does not fail the open; the store keeps connecting in the
    // background (readiness() says why it is not ready). For `gateway serve`; one-shot commands want the error.
    bool wait_for_database = false;
    // postgres with wait_for_database: called once if the database turns out unusable for good (schema newer than
    // this code) after the open returned.
    std::function<void(const Error&)> on_fatal;
};

// Errors: invalid_argument (unknown kind, missing path or DSN), and whatever the implementation's open() returns.
Result<std::unique_ptr<Store>> open_store(const OpenStoreOptions& options);

}  // namespace gw::store
