#include "gateway/hl7/path.hpp"

#include <gtest/gtest.h>

namespace gw::hl7 {
namespace {

TEST(Path, CompilesEveryPart) {
    const auto p = compile_path("OBX[3]-5[2].1.4");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->segment_name(), "OBX");
    EXPECT_EQ(p->occurrence, 3u);
    EXPECT_EQ(p->field, 5u);
    EXPECT_EQ(p->repetition, 2u);
    EXPECT_EQ(p->component, 1u);
    EXPECT_EQ(p->subcomponent, 4u);
    EXPECT_EQ(p->to_string(), "OBX[3]-5[2].1.4");
}

TEST(Path, Defaults) {
    const auto p = compile_path("MSH-9.2");
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, make_path("MSH", 9, 2));
    EXPECT_EQ(compile_path("ZX1-1")->segment_name(), "ZX1");
}

TEST(Path, RejectsWithOffsetAndExpectation) {
    for (const auto* bad : {"", "PI-3", "pid-3", "PID", "PID-", "PID-0", "PID-3.", "PID-3[1", "PID-3x", "PID[0]-1",
                            "PID-999999999", "PID-3.1.1.1"}) {
        const auto p = compile_path(bad);
        ASSERT_FALSE(p.ok()) << bad;
        EXPECT_NE(p.error().where.byte_offset, SourceLocation::npos) << bad;
        EXPECT_NE(p.error().message.find("expected"), std::string::npos) << bad;
    }
    EXPECT_EQ(compile_path("PID-3x").error().where.byte_offset, 5u);
}

}  // namespace
}  // namespace gw::hl7
