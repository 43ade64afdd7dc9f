#pragma once
// Mapping tests, written by the people who write mappings: a `*.test.yaml` file beside a mapping lists cases, each
// an input and what must come out (the exact output, a subset, values at paths, or an error). `gateway test` runs
// them; mappings/README.md documents the format.
//
//   mapping: oms-o05.yaml                 # the mapping under test, relative to this file
//   now: 2026-11-25T12:00:00+01:00        # optional: pins now() for every case
//   params: {customer_number: C-1}        # optional: params for every case
//   cases:
//     - name: twenty lines
//       input: samples/oms-o05-20-lines.hl7     # or input_text: |
//       expect: expected/twenty-lines.json      # exact output (JSON structurally, XML/HL7 as normalised text)
//       expect_subset: {action: new}            # JSON/canonical: these members must be there with these values
//       expect_values: {/lines/0/gtin: "07038010069307"}   # JSON pointer / XPath / HL7 path -> text
//       validate_xsd: ../../../../shared/data/peppol/ubl-2.1/xsd/maindoc/UBL-Order-2.1.xsd
//       item: 1                                 # mappings with `item:`: the list element to render (default 0)
//     - name: bad quantity
//       input_text: "MSH|..."
//       expect_error: ["lines[0].quantity", "RQD-5", "abc"]   # every text must occur in the error

#include <ostream>
#include <string>
#include <vector>

namespace gw::mapping {

struct TestSummary {
    int passed = 0;
    int failed = 0;
};

// Runs every *.test.yaml under each path (a file or a folder, searched recursively), printing one line per case
// and a readable diff for each failure. Does not print the final "N passed, N failed" line.
TestSummary run_mapping_tests(const std::vector<std::string>& paths, std::ostream& out);

}  // namespace gw::mapping
