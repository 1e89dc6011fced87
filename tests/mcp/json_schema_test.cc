#include "server/mcp/json_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;

const json kSchema = json::parse(R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 2},
    "count": {"type": "integer", "minimum": 0, "maximum": 10},
    "ratio": {"type": "number"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    "mode": {"enum": ["fast", "slow"]},
    "nested": {"type": "object", "properties": {"on": {"type": "boolean"}},
               "required": ["on"], "additionalProperties": false}
  },
  "required": ["name"],
  "additionalProperties": false
})");

TEST(JsonSchemaTest, AcceptsValidArguments) {
  EXPECT_TRUE(ValidateAgainstSchema(kSchema, json::parse(R"({
    "name": "ab", "count": 3, "ratio": 0.5, "tags": ["x"], "mode": "fast",
    "nested": {"on": true}})"))
                  .ok());
  EXPECT_TRUE(ValidateAgainstSchema(
                  kSchema, json::parse(R"({"name": "ab", "count": 2.0})"))
                  .ok());
}

TEST(JsonSchemaTest, RefusesMissingRequired) {
  absl::Status status = ValidateAgainstSchema(kSchema, json::object());
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(),
              HasSubstr("missing required property \"name\""));
}

TEST(JsonSchemaTest, RefusesWrongTypesWithTheirPath) {
  absl::Status status =
      ValidateAgainstSchema(kSchema, json::parse(R"({"name": 5})"));
  EXPECT_THAT(status.message(),
              HasSubstr("/name: expected string, got integer"));
  status = ValidateAgainstSchema(
      kSchema, json::parse(R"({"name": "ab", "count": 1.5})"));
  EXPECT_THAT(status.message(),
              HasSubstr("/count: expected integer, got number"));
  status = ValidateAgainstSchema(
      kSchema, json::parse(R"({"name": "ab", "tags": ["x", 2]})"));
  EXPECT_THAT(status.message(), HasSubstr("/tags/1: expected string"));
  status = ValidateAgainstSchema(
      kSchema, json::parse(R"({"name": "ab", "nested": {"on": "yes"}})"));
  EXPECT_THAT(status.message(), HasSubstr("/nested/on: expected boolean"));
}

TEST(JsonSchemaTest, RefusesAdditionalPropertiesWhenTheSchemaSaysSo) {
  absl::Status status = ValidateAgainstSchema(
      kSchema, json::parse(R"({"name": "ab", "extra": 1})"));
  EXPECT_THAT(status.message(), HasSubstr("/extra: property not allowed"));
  status = ValidateAgainstSchema(
      kSchema,
      json::parse(R"({"name": "ab", "nested": {"on": true, "x": 1}})"));
  EXPECT_THAT(status.message(), HasSubstr("/nested/x: property not allowed"));
  // Without additionalProperties: false, extra properties pass.
  json open = {{"type", "object"}, {"properties", json::object()}};
  EXPECT_TRUE(ValidateAgainstSchema(open, json::parse(R"({"x": 1})")).ok());
}

TEST(JsonSchemaTest, ChecksEnumsAndBounds) {
  EXPECT_THAT(ValidateAgainstSchema(
                  kSchema, json::parse(R"({"name": "ab", "mode": "medium"})"))
                  .message(),
              HasSubstr("/mode: must be one of"));
  EXPECT_THAT(ValidateAgainstSchema(
                  kSchema, json::parse(R"({"name": "ab", "count": 11})"))
                  .message(),
              HasSubstr("/count: must be <= 10"));
  EXPECT_THAT(
      ValidateAgainstSchema(kSchema, json::parse(R"({"name": "a"})")).message(),
      HasSubstr("/name: shorter than 2"));
  EXPECT_THAT(
      ValidateAgainstSchema(
          kSchema, json::parse(R"({"name": "ab", "tags": ["a","b","c"]})"))
          .message(),
      HasSubstr("/tags: more than 2 items"));
}

TEST(JsonSchemaTest, TypeListsAndNonObjectSchemas) {
  json schema = {{"type", json::array({"string", "null"})}};
  EXPECT_TRUE(ValidateAgainstSchema(schema, nullptr).ok());
  EXPECT_TRUE(ValidateAgainstSchema(schema, "x").ok());
  EXPECT_FALSE(ValidateAgainstSchema(schema, 1).ok());
  EXPECT_TRUE(ValidateAgainstSchema(true, json::object()).ok());
}

TEST(JsonSchemaTest, DeepNestingIsRefusedNotOverflowed) {
  json schema = {{"type", "array"}};
  json* s = &schema;
  for (int i = 0; i < 100; ++i) {
    (*s)["items"] = {{"type", "array"}};
    s = &(*s)["items"];
  }
  json value = json::array();
  json* v = &value;
  for (int i = 0; i < 100; ++i) {
    v->push_back(json::array());
    v = &(*v)[0];
  }
  EXPECT_THAT(ValidateAgainstSchema(schema, value).message(),
              HasSubstr("nested too deeply"));
}

}  // namespace
}  // namespace forge::mcp
