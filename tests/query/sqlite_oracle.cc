#include "sqlite_oracle.h"

#include <fmt/format.h>

#include <stdexcept>

#include "event/fields.h"
#include "query/matcher.h"

namespace auditlog::testing {
namespace {

using event::FieldSpec;
using event::FieldType;
using query::Filter;
using query::FilterOp;
using query::Scalar;

std::string Column(const FieldSpec* field) {
  return fmt::format("f{}", event::FieldIndexOf(*field));
}

void Check(int rc, sqlite3* db, const std::string& what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(fmt::format("sqlite: {}: {}", what, sqlite3_errmsg(db)));
}

void Bind(sqlite3_stmt* statement, int index, const Scalar& value) {
  switch (value.index()) {
    case 0: {
      const auto& text = std::get<std::string>(value);
      sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT);
      break;
    }
    case 1:
      sqlite3_bind_int64(statement, index, std::get<int64_t>(value));
      break;
    case 2:
      sqlite3_bind_double(statement, index, std::get<double>(value));
      break;
    default:
      sqlite3_bind_int64(statement, index, std::get<bool>(value) ? 1 : 0);
  }
}

// GLOB pattern of a kWildcard pattern: only `*` is special in ours.
std::string GlobOf(const std::string& pattern) {
  std::string glob;
  for (char c : pattern) {
    if (c == '?')
      glob += "[?]";
    else if (c == '[')
      glob += "[[]";
    else
      glob += c;
  }
  return glob;
}

// Counts a (value, count) row of a GROUP BY into `result`; false for the
// NULL group (events without the value).
bool AddGroup(const std::vector<std::optional<Scalar>>& row, query::AggResult* result) {
  const uint64_t count = static_cast<uint64_t>(std::get<int64_t>(*row[1]));
  result->total += count;
  if (!row[0]) {
    result->missing_count += count;
    return false;
  }
  result->buckets.push_back({*row[0], count});
  return true;
}

}  // namespace

SqliteOracle::SqliteOracle() {
  Check(sqlite3_open(":memory:", &db_), db_, "open");
  std::string columns = "tenant_ TEXT";
  for (const FieldSpec& field : event::AllFields()) {
    const char* type = "TEXT";
    if (field.type == FieldType::kTime || field.type == FieldType::kUint64 ||
        field.type == FieldType::kBool)
      type = "INTEGER";
    if (field.type == FieldType::kDouble) type = "REAL";
    columns += fmt::format(", {} {}", Column(&field), type);
  }
  Check(sqlite3_exec(db_, fmt::format("CREATE TABLE events ({})", columns).c_str(), nullptr,
                     nullptr, nullptr),
        db_, "create");
  sqlite3_create_function(
      db_, "al_leaf", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, this,
      [](sqlite3_context* context, int, sqlite3_value** args) {
        auto* self = static_cast<SqliteOracle*>(sqlite3_user_data(context));
        if (sqlite3_value_type(args[1]) == SQLITE_NULL) {
          sqlite3_result_int(context, 0);
          return;
        }
        const Filter& leaf = *self->leaves_[static_cast<size_t>(sqlite3_value_int64(args[0]))];
        std::string text(reinterpret_cast<const char*>(sqlite3_value_text(args[1])),
                         static_cast<size_t>(sqlite3_value_bytes(args[1])));
        sqlite3_result_int(context, query::LeafMatches(leaf, Scalar(std::move(text))) ? 1 : 0);
      },
      nullptr, nullptr);
}

SqliteOracle::~SqliteOracle() { sqlite3_close(db_); }

void SqliteOracle::Insert(std::span<const event::Event> events) {
  std::string sql = "INSERT INTO events VALUES (?";
  for (size_t i = 0; i < event::AllFields().size(); ++i) sql += ", ?";
  sql += ")";
  sqlite3_stmt* statement = nullptr;
  Check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), db_, "prepare insert");
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  for (const event::Event& event : events) {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    sqlite3_bind_text(statement, 1, event.tenant.data(), static_cast<int>(event.tenant.size()),
                      SQLITE_TRANSIENT);
    int index = 2;
    for (const FieldSpec& field : event::AllFields()) {
      if (auto value = query::FieldValue(field, event)) Bind(statement, index, *value);
      ++index;
    }
    Check(sqlite3_step(statement), db_, "insert");
  }
  sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_finalize(statement);
}

std::string SqliteOracle::FilterSql(const Filter& filter, std::vector<Scalar>* params) {
  switch (filter.op) {
    case FilterOp::kAll:
      return "1";
    case FilterOp::kAnd:
    case FilterOp::kOr: {
      if (filter.children.empty()) return filter.op == FilterOp::kAnd ? "1" : "0";
      std::string sql;
      for (const Filter& child : filter.children) {
        if (!sql.empty()) sql += filter.op == FilterOp::kAnd ? " AND " : " OR ";
        sql += "(" + FilterSql(child, params) + ")";
      }
      return sql;
    }
    case FilterOp::kNot:
      return "NOT (" + FilterSql(filter.children[0], params) + ")";
    default:
      break;
  }
  std::string column = Column(filter.field);
  if (!filter.path.empty()) {
    // The value at a path as query.h defines it: strings as themselves,
    // everything else as its JSON text, null as absent.
    column = fmt::format(
        "(CASE json_type({0}, '$.{1}') WHEN 'null' THEN NULL WHEN 'true' THEN 'true' "
        "WHEN 'false' THEN 'false' WHEN 'text' THEN json_extract({0}, '$.{1}') "
        "ELSE CAST(json_extract({0}, '$.{1}') AS TEXT) END)",
        column, filter.path);
  }
  auto param = [&](const Scalar& value) {
    params->push_back(value);
    return std::string("?");
  };
  std::string test;
  switch (filter.op) {
    case FilterOp::kEq:
    case FilterOp::kIn: {
      std::string list;
      for (const Scalar& value : filter.values) list += (list.empty() ? "" : ", ") + param(value);
      test = fmt::format("{} IN ({})", column, list);
      break;
    }
    case FilterOp::kPrefix: {
      const auto& prefix = std::get<std::string>(filter.values[0]);
      if (prefix.empty())
        test = fmt::format("{} IS NOT NULL", column);
      else
        test = fmt::format("substr(CAST({} AS BLOB), 1, {}) = CAST({} AS BLOB)", column,
                           prefix.size(), param(prefix));
      break;
    }
    case FilterOp::kRange:
      test = "1";
      if (filter.lower)
        test += fmt::format(" AND {} {} {}", column, filter.lower->inclusive ? ">=" : ">",
                            param(filter.lower->value));
      if (filter.upper)
        test += fmt::format(" AND {} {} {}", column, filter.upper->inclusive ? "<=" : "<",
                            param(filter.upper->value));
      test += fmt::format(" AND {} IS NOT NULL", column);
      break;
    case FilterOp::kExists:
      test = fmt::format("{} IS NOT NULL", column);
      break;
    case FilterOp::kWildcard:
      if (filter.path.empty() && filter.field->type == FieldType::kText) {
        leaves_.push_back(&filter);
        test = fmt::format("al_leaf({}, {})", leaves_.size() - 1, column);
      } else {
        test = fmt::format("{} GLOB {}", column,
                           param(GlobOf(std::get<std::string>(filter.values[0]))));
      }
      break;
    default:  // kText, kPhrase, kCidr
      leaves_.push_back(&filter);
      test = fmt::format("al_leaf({}, {})", leaves_.size() - 1, column);
  }
  // SQL's NULL is "unknown"; a condition on an absent field is plainly false.
  return fmt::format("coalesce(({}), 0)", test);
}

std::string SqliteOracle::Where(const query::Query& query, std::vector<Scalar>* params) {
  leaves_.clear();
  std::string sql = "1";
  if (!query::IsAllTenants(query.tenant)) {
    sql = "tenant_ = ?";
    params->push_back(query.tenant);
  }
  const std::string timestamp = Column(event::FindField("timestamp"));
  if (query.time.from) {
    sql += fmt::format(" AND {} >= ?", timestamp);
    params->push_back(int64_t{*query.time.from});
  }
  if (query.time.to) {
    sql += fmt::format(" AND {} < ?", timestamp);
    params->push_back(int64_t{*query.time.to});
  }
  if (query.max_seq != 0) {
    sql += fmt::format(" AND {} <= ?", Column(event::FindField("seq")));
    params->push_back(static_cast<int64_t>(query.max_seq));
  }
  sql += " AND (" + FilterSql(query.filter, params) + ")";
  return sql;
}

std::vector<SqliteOracle::Row> SqliteOracle::Rows(const std::string& sql,
                                                  const std::vector<Scalar>& params) {
  last_sql_ = sql;
  sqlite3_stmt* statement = nullptr;
  Check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), db_, "prepare " + sql);
  for (size_t i = 0; i < params.size(); ++i) Bind(statement, static_cast<int>(i + 1), params[i]);
  std::vector<Row> rows;
  while (true) {
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) break;
    Check(rc, db_, "step " + sql);
    Row& row = rows.emplace_back();
    for (int c = 0; c < sqlite3_column_count(statement); ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_INTEGER:
          row.emplace_back(Scalar(int64_t{sqlite3_column_int64(statement, c)}));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(Scalar(sqlite3_column_double(statement, c)));
          break;
        case SQLITE_NULL:
          row.emplace_back(std::nullopt);
          break;
        default:
          row.emplace_back(
              Scalar(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, c)),
                                 static_cast<size_t>(sqlite3_column_bytes(statement, c)))));
      }
    }
  }
  sqlite3_finalize(statement);
  return rows;
}

SqliteOracle::Page SqliteOracle::Search(const query::Query& query) {
  std::vector<Scalar> params;
  const std::string where = Where(query, &params);
  Page page;
  page.total = static_cast<uint64_t>(std::get<int64_t>(
      *Rows(fmt::format("SELECT count(*) FROM events WHERE {}", where), params)[0][0]));
  std::string order;
  const std::vector<query::SortKey> sort = query::EffectiveSort(query);
  for (const query::SortKey& key : sort) {
    const std::string column = Column(key.field);
    // Absent values come after every value ascending, before them descending.
    order += key.descending ? fmt::format("{0} IS NULL DESC, {0} DESC, ", column)
                            : fmt::format("{0} IS NULL, {0} ASC, ", column);
  }
  const char* direction = sort[0].descending ? " DESC" : " ASC";
  order += Column(event::FindField("seq")) + direction + ", tenant_" + direction;
  const std::string sql =
      fmt::format("SELECT {} FROM events WHERE {} ORDER BY {} LIMIT {} OFFSET {}",
                  Column(event::FindField("id")), where, order, query.limit, query.offset);
  for (const Row& row : Rows(sql, params)) page.ids.push_back(std::get<std::string>(*row[0]));
  return page;
}

query::AggResult SqliteOracle::Values(const query::Query& query, const std::string& column,
                                      uint32_t top_n, const std::string& extra_where,
                                      std::vector<Scalar> params) {
  std::vector<Scalar> where_params;
  std::string where = Where(query, &where_params) + extra_where;
  where_params.insert(where_params.end(), params.begin(), params.end());
  query::AggResult result;
  const auto groups =
      Rows(fmt::format("SELECT {0}, count(*) FROM events WHERE {1} GROUP BY {0}", column, where),
           where_params);
  for (const Row& row : groups) AddGroup(row, &result);
  if (top_n == 0) {
    result.distinct = result.buckets.size();
    result.buckets.clear();
  } else {
    query::FinishBuckets(top_n, &result);
  }
  return result;
}

query::AggResult SqliteOracle::Aggregate(const query::Query& query, const query::AggSpec& spec) {
  auto typed = [](const FieldSpec* field, query::AggResult result) {
    // SQLite has no booleans: 0/1 back to false/true.
    if (field->type == FieldType::kBool)
      for (query::Bucket& bucket : result.buckets)
        bucket.value = std::get<int64_t>(bucket.value) != 0;
    query::FinishBuckets(UINT32_MAX, &result);
    return result;
  };
  if (const auto* count_by = std::get_if<query::CountBy>(&spec)) {
    // All groups first, typed, then cut to the top N.
    query::AggResult result =
        typed(count_by->field, Values(query, Column(count_by->field), UINT32_MAX, "", {}));
    query::FinishBuckets(count_by->top_n, &result);
    return result;
  }
  if (const auto* distinct = std::get_if<query::DistinctCount>(&spec))
    return Values(query, Column(distinct->field), 0, "", {});
  const auto& histogram = std::get<query::DateHistogram>(spec);
  const std::string time =
      Column(histogram.field ? histogram.field : event::FindField("timestamp"));
  std::string bucket;
  if (histogram.interval_micros > 0) {
    bucket = fmt::format("({0} - ((({0} % {1}) + {1}) % {1}))", time, histogram.interval_micros);
  } else {
    std::string modifier;
    switch (*histogram.calendar) {
      case query::CalendarUnit::kDay:
        modifier = "'start of day'";
        break;
      case query::CalendarUnit::kWeek:
        modifier = "'start of day', '-6 days', 'weekday 1'";
        break;
      case query::CalendarUnit::kMonth:
        modifier = "'start of month'";
        break;
      default:
        modifier = "'start of year'";
    }
    bucket = fmt::format(
        "(CAST(strftime('%s', {0} / 1000000 - ({0} % 1000000 < 0), 'unixepoch', {1}) AS INTEGER) * "
        "1000000)",
        time, modifier);
  }
  std::vector<Scalar> params;
  const std::string where = Where(query, &params);
  query::AggResult result;
  const auto rows =
      Rows(fmt::format("SELECT {0} AS b, count(*) FROM events WHERE {1} GROUP BY b ORDER BY b",
                       bucket, where),
           params);
  for (const Row& row : rows) {
    if (!AddGroup(row, &result)) continue;
    const int64_t start = std::get<int64_t>(*row[0]);
    const std::string in_bucket = fmt::format(" AND {} = {}", bucket, start);
    if (const auto* count_by = std::get_if<query::CountBy>(&histogram.per_bucket)) {
      query::AggResult sub =
          typed(count_by->field, Values(query, Column(count_by->field), UINT32_MAX, in_bucket, {}));
      query::FinishBuckets(count_by->top_n, &sub);
      result.per_bucket.push_back(std::move(sub));
    }
    if (const auto* distinct = std::get_if<query::DistinctCount>(&histogram.per_bucket))
      result.per_bucket.push_back(Values(query, Column(distinct->field), 0, in_bucket, {}));
  }
  return result;
}

}  // namespace auditlog::testing
