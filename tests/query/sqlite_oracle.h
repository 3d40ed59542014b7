#pragma once

// SQLite as an independent oracle for query semantics: events go into one
// table with a column per registry field, and a Query or AggSpec becomes SQL.
// Filters, sorting (NULLs placed as query/matcher.h says), paging, totals,
// grouping and fixed-interval UTC histograms are SQLite's own; the few leaf
// tests SQL has no operator for (token text match, phrases, token wildcards,
// CIDR) call back into query::LeafMatches through SQL functions.
//
// Thread-safety: not thread-safe.

#include <sqlite3.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "event/event.h"
#include "query/query.h"

namespace auditlog::testing {

class SqliteOracle {
 public:
  SqliteOracle();
  ~SqliteOracle();
  SqliteOracle(const SqliteOracle&) = delete;
  SqliteOracle& operator=(const SqliteOracle&) = delete;

  void Insert(std::span<const event::Event> events);

  struct Page {
    std::vector<std::string> ids;  // in order
    uint64_t total = 0;            // every match, before offset and limit
  };
  // Ignores projection; applies tenant, time, filter, max_seq, sort, offset, limit.
  Page Search(const query::Query& query);

  // CountBy, DistinctCount, and DateHistogram with UTC fixed intervals or
  // UTC calendar days and months (with or without a sub-aggregation).
  query::AggResult Aggregate(const query::Query& query, const query::AggSpec& spec);

  // The SQL of the last statement (for failure messages).
  const std::string& last_sql() const { return last_sql_; }

 private:
  std::string Where(const query::Query& query, std::vector<query::Scalar>* params);
  std::string FilterSql(const query::Filter& filter, std::vector<query::Scalar>* params);
  using Row = std::vector<std::optional<query::Scalar>>;
  std::vector<Row> Rows(const std::string& sql, const std::vector<query::Scalar>& params);
  query::AggResult Values(const query::Query& query, const std::string& column, uint32_t top_n,
                          const std::string& extra_where, std::vector<query::Scalar> params);

  sqlite3* db_ = nullptr;
  // Leaves evaluated through al_leaf(index, value) during one statement.
  std::vector<const query::Filter*> leaves_;
  std::string last_sql_;
};

}  // namespace auditlog::testing
