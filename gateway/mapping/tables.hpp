#pragma once
// Lookup tables for mappings: CSV files that sit beside the mapping (GTIN -> vendor SKU, municipality -> customer
// number). The first line names the columns; the first column is the key. Loaded once, when the mapping loads.

#include <string>

#include "gateway/core/result.hpp"
#include "gateway/mapping/plan.hpp"

namespace gw::mapping {

// Reads `path` into a Table called `name`. Errors name FILE:LINE of the CSV (unterminated quote, duplicate key,
// empty file).
Result<Table> load_csv_table(const std::string& name, const std::string& path);

}  // namespace gw::mapping
