#include "gateway/mapping/tables.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace gw::mapping {
namespace {

Error csv_error(const std::string& path, int line, std::string message) {
    SourceLocation where;
    where.file = path;
    where.line = line;
    where.column = 1;
    return make_error(ErrorCode::invalid_value, std::move(message), std::move(where));
}

// Splits one CSV record (RFC 4180 quoting, no embedded newlines). False on an unterminated quote.
bool split_record(std::string_view line, std::vector<std::string>& out) {
    out.clear();
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(cell));
            cell.clear();
        } else {
            cell += c;
        }
    }
    out.push_back(std::move(cell));
    return !quoted;
}

}  // namespace

Result<Table> load_csv_table(const std::string& name, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        SourceLocation where;
        where.file = path;
        return make_error(ErrorCode::not_found, fmt::format("cannot read lookup table '{}'", path), where);
    }
    Table table;
    table.name = name;
    std::string line;
    std::vector<std::string> cells;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        if (line.empty() || line[0] == '#') continue;
        if (!split_record(line, cells)) return csv_error(path, line_no, "unterminated quote");
        if (table.columns.empty()) {
            if (cells.size() < 2) return csv_error(path, line_no, "the header needs at least two columns (key,value)");
            table.columns = cells;
            continue;
        }
        if (cells.size() != table.columns.size())
            return csv_error(path, line_no,
                             fmt::format("expected {} columns, found {}", table.columns.size(), cells.size()));
        const std::string key = cells[0];
        if (!table.rows.emplace(key, cells).second)
            return csv_error(path, line_no, fmt::format("duplicate key '{}'", key));
    }
    if (table.columns.empty()) return csv_error(path, 1, "empty table: expected a header line");
    return table;
}

}  // namespace gw::mapping
