// ExecutionIndex keeps running executions, and only the newest ended ones.
#include "server/audit/execution_index.h"

#include "gtest/gtest.h"
#include "server/audit/record_types.h"

namespace forge::audit {
namespace {

void AddExecution(ExecutionIndex& index, const std::string& id,
                  uint64_t* sequence, bool end) {
  index.Add(id, "acme", kExecutionStart, (*sequence)++, 0, 0);
  index.Add(id, "acme", kSandboxStart, (*sequence)++, 0, 100);
  if (end) index.Add(id, "acme", kExecutionEnd, (*sequence)++, 0, 200);
}

TEST(ExecutionIndexTest, CountsRecordsAndRemembersTheFirst) {
  ExecutionIndex index(4);
  index.Add("ex", "acme", kExecutionStart, 7, 2, 640);
  index.Add("other", "beta", kExecutionStart, 8, 2, 700);
  index.Add("ex", "acme", kSandboxStart, 9, 3, 0);
  const ExecutionEntry* entry = index.Find("ex");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->tenant, "acme");
  EXPECT_EQ(entry->records, 2u);
  EXPECT_EQ(entry->first_sequence, 7u);
  EXPECT_EQ(entry->last_sequence, 9u);
  EXPECT_EQ(entry->first_file, 2u);
  EXPECT_EQ(entry->first_offset, 640u);
  EXPECT_FALSE(entry->ended);
  EXPECT_EQ(index.Find("missing"), nullptr);
}

TEST(ExecutionIndexTest, KeepsOnlyTheNewestEndedExecutions) {
  ExecutionIndex index(2);
  uint64_t sequence = 1;
  for (const char* id : {"a", "b", "c", "d"})
    AddExecution(index, id, &sequence, true);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.Find("a"), nullptr);
  EXPECT_EQ(index.Find("b"), nullptr);
  EXPECT_NE(index.Find("c"), nullptr);
  EXPECT_NE(index.Find("d"), nullptr);
  EXPECT_TRUE(index.dropped_any());
}

TEST(ExecutionIndexTest, RunningExecutionsAreNeverDropped) {
  ExecutionIndex index(1);
  uint64_t sequence = 1;
  AddExecution(index, "long", &sequence, /*end=*/false);
  for (int i = 0; i < 100; ++i) {
    AddExecution(index, "short-" + std::to_string(i), &sequence, true);
  }
  ASSERT_NE(index.Find("long"), nullptr);
  EXPECT_EQ(index.Find("long")->records, 2u);
  EXPECT_EQ(index.size(), 2u);  // "long" and the newest ended one
}

TEST(ExecutionIndexTest, NothingDroppedWhileUnderCapacity) {
  ExecutionIndex index(8);
  uint64_t sequence = 1;
  for (int i = 0; i < 8; ++i)
    AddExecution(index, std::to_string(i), &sequence, true);
  EXPECT_EQ(index.size(), 8u);
  EXPECT_FALSE(index.dropped_any());
}

TEST(ExecutionIndexTest, EndAllDropsTheOldestOpenExecutionsFirst) {
  ExecutionIndex index(2);
  uint64_t sequence = 1;
  AddExecution(index, "old", &sequence, false);
  AddExecution(index, "mid", &sequence, false);
  AddExecution(index, "new", &sequence, false);
  index.EndAll();
  EXPECT_EQ(index.Find("old"), nullptr);
  EXPECT_NE(index.Find("mid"), nullptr);
  EXPECT_NE(index.Find("new"), nullptr);
  EXPECT_TRUE(index.Find("new")->ended);
}

TEST(ExecutionIndexTest, RecallPutsBackWithoutOverwriting) {
  ExecutionIndex index(1);
  uint64_t sequence = 1;
  AddExecution(index, "a", &sequence, true);
  AddExecution(index, "b", &sequence, true);
  ASSERT_EQ(index.Find("a"), nullptr);
  ExecutionEntry recalled;
  recalled.tenant = "acme";
  recalled.records = 3;
  recalled.first_sequence = 1;
  recalled.last_sequence = 3;
  index.Recall("a", recalled);
  ASSERT_NE(index.Find("a"), nullptr);
  EXPECT_EQ(index.Find("a")->records, 3u);
  recalled.records = 99;
  index.Recall("a", recalled);  // already held: the held entry wins
  EXPECT_EQ(index.Find("a")->records, 3u);
}

TEST(ExecutionIndexTest, ARecalledEntryIsHeldUntilReleased) {
  ExecutionIndex index(1);
  uint64_t sequence = 1;
  AddExecution(index, "a", &sequence, true);
  AddExecution(index, "b", &sequence, true);
  ExecutionEntry recalled;
  recalled.tenant = "acme";
  recalled.records = 3;
  index.Recall("a", recalled);
  for (int i = 0; i < 10; ++i) {
    AddExecution(index, "later-" + std::to_string(i), &sequence, true);
  }
  ASSERT_NE(index.Find("a"), nullptr);  // held through ten later ends
  index.Release("later-9");             // not recalled: no effect
  EXPECT_NE(index.Find("later-9"), nullptr);
  index.Release("a");
  // Now the newest ended entry, so it stays and later-9 goes.
  EXPECT_NE(index.Find("a"), nullptr);
  EXPECT_EQ(index.Find("later-9"), nullptr);
  EXPECT_EQ(index.size(), 1u);
}

}  // namespace
}  // namespace forge::audit
