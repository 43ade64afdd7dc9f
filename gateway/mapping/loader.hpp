#pragma once
// Compiles a mapping file (YAML) into an immutable Plan (internal to gateway/mapping; callers use mapping.hpp).
// Every problem is collected with FILE:LINE:COL and a hint: unknown keys and functions, unknown canonical fields,
// source paths that cannot match the input format, missing lookup files, type mismatches, personal data outside the
// vendor's allow-list.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/error.hpp"
#include "gateway/mapping/plan.hpp"

namespace gw::mapping {

struct CompileResult {
    std::shared_ptr<const Plan> plan;  // null when errors is not empty
    std::vector<Error> errors;         // sorted by position
};

CompileResult compile_mapping_file(const std::string& path);
// `file` names the text in messages; relative table paths resolve against `base_dir`.
CompileResult compile_mapping_text(std::string_view yaml, const std::string& file, const std::string& base_dir);

}  // namespace gw::mapping
